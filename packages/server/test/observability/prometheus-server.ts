import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'

export const PROMETHEUS = '/usr/bin/prometheus'
export const PROMTOOL = '/usr/bin/promtool'

/** Why Prometheus cannot run here, or null (Debian's package: apt-get install prometheus). */
export const prometheusSkip: string | null = await promisify(execFile)(PROMETHEUS, ['--version']).then(
  () => null,
  () => `Prometheus is not installed (${PROMETHEUS}; apt-get install prometheus)`,
)

export type Sample = { metric: Record<string, string>; value: [number, string] }
export type RuleInfo = { name: string; query: string; state: string; annotations: Record<string, string> }

export type RunningPrometheus = {
  url: string
  /** An instant query through /api/v1/query; throws with Prometheus's error when it fails. */
  query(expr: string): Promise<Sample[]>
  /** The alerting rules as Prometheus loaded them (/api/v1/rules). */
  rules(): Promise<RuleInfo[]>
  /** Alerts pending or firing now (/api/v1/alerts). */
  alerts(): Promise<{ labels: Record<string, string>; state: string }[]>
  output(): string
  stop(): Promise<void>
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url)
  const body = (await res.json()) as { status: string; data: T; error?: string }
  if (body.status !== 'success') throw new Error(`${url}: ${body.error ?? res.status}`)
  return body.data
}

/**
 * A real Prometheus (Debian's) on a free loopback port, scraping one target every second with a
 * bearer token and evaluating `ruleFile` every second, its TSDB in `dir`.
 */
export async function startPrometheus(options: {
  dir: string
  target: string
  token: string
  ruleFile: string
}): Promise<RunningPrometheus> {
  const port = await freePort()
  const config = join(options.dir, 'prometheus.yml')
  await writeFile(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${JSON.stringify(options.ruleFile)}`,
      'scrape_configs:',
      '  - job_name: agent-squad',
      '    metrics_path: /metrics',
      '    authorization:',
      '      type: Bearer',
      `      credentials: ${JSON.stringify(options.token)}`,
      '    static_configs:',
      `      - targets: [${JSON.stringify(options.target)}]`,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(options.dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let text = ''
  child.stdout?.on('data', (c: Buffer) => {
    text += c.toString()
  })
  child.stderr?.on('data', (c: Buffer) => {
    text += c.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${text}`)
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) break
    if (Date.now() > deadline) throw new Error(`prometheus did not get ready:\n${text}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    query: async (expr) =>
      (await api<{ result: Sample[] }>(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    rules: async () =>
      (
        await api<{ groups: { rules: (RuleInfo & { type: string })[] }[] }>(`${url}/api/v1/rules?type=alert`)
      ).groups.flatMap((g) => g.rules),
    alerts: async () =>
      (await api<{ alerts: { labels: Record<string, string>; state: string }[] }>(`${url}/api/v1/alerts`))
        .alerts,
    output: () => text,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/**
 * An alert's expression with every threshold comparison taken out (`x > 0.5` becomes `x`): what it
 * reads, without the condition. An alert's expression returns series only while something is
 * wrong; this form returns them whenever the metrics it reads exist, which is what the test proves
 * for the alerts a healthy run does not trigger.
 */
export const withoutThresholds = (expr: string) =>
  expr.replace(/\s*(?:[<>]=?|[!=]=)\s*(?:bool\s+)?-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/g, '')
