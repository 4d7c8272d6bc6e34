import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Agent } from '@agent-squad/contract'
import { afterAll, describe, expect, it } from 'vitest'
import { dashboardExpressions } from '../../../../deploy/grafana/dashboard.ts'
import { LocalSandboxProvider } from '../../src/sandbox/local/local-sandbox-provider.ts'
import { startFakeOpenAI } from '../agents/fakes/openai-chat-server.ts'
import type { FakeModelServer } from '../agents/fakes/scripted-model.ts'
import { testDbKind } from '../helpers/test-db.ts'
import { createTask, logOf, setupSquad, startTask, waitForExecution } from '../pipeline/pipeline-fixture.ts'
import { pipelineSkip } from '../pipeline/pipeline-probes.ts'
import { type ServeProcess, startServeProcess } from '../pipeline/serve-process.ts'
import {
  PROMTOOL,
  prometheusSkip,
  type RunningPrometheus,
  startPrometheus,
  withoutThresholds,
} from './prometheus-server.ts'

const alertsFile = fileURLToPath(new URL('../../../../deploy/prometheus/alerts.yml', import.meta.url))
const operationsDoc = fileURLToPath(new URL('../../../../docs/operations.md', import.meta.url))
const FAILING = 3

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

// These tests prove the metrics, the dashboard and the alert rules, not the database: they run on
// PGlite only (the queue gauges' one query runs on both databases in queue-metrics.test.ts).
const skip = prometheusSkip ?? pipelineSkip ?? (testDbKind === 'postgres' ? 'runs on PGlite only' : null)

describe.skipIf(skip)('a real Prometheus scraping a real squad serve', () => {
  let world: string | undefined
  let serve: ServeProcess | undefined
  let prometheus: RunningPrometheus | undefined
  let model: FakeModelServer | undefined
  afterAll(async () => {
    await prometheus?.stop()
    if (serve && serve.child.exitCode === null) serve.child.kill('SIGTERM')
    await serve?.exited
    await model?.close()
    if (world) {
      await new LocalSandboxProvider({ root: join(world, 'data', 'sandboxes', 'local') })
        .cleanupOrphans([])
        .catch(() => {})
      await rm(world, { recursive: true, force: true })
    }
  })

  it('evaluates every dashboard and alert expression to series, and the failing-executions alert fires', async () => {
    const { stdout } = await promisify(execFile)(PROMTOOL, ['check', 'rules', alertsFile])
    expect(stdout).toContain('SUCCESS')

    world = await mkdtemp(join(tmpdir(), 'squad-prometheus-'))
    model = await startFakeOpenAI()
    serve = await startServeProcess({
      cwd: world,
      // A machine busy with other suites can take a minute to load the code and create PGlite.
      readyTimeoutMs: 180_000,
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        SQUAD_AUTH: 'none',
        SQUAD_DATA_DIR: join(world, 'data'),
        SQUAD_LOG_LEVEL: 'warn',
        SQUAD_MAX_CONCURRENCY: '3',
        SQUAD_SQUAD_CONCURRENCY: '3',
        SQUAD_KEEP_FAILED_SANDBOX_MINUTES: '0',
      },
    })
    const api = serve.api
    const token = api.localToken ?? ''
    // Scraped from before the first execution: counters are seen at 0, so increase() and the alert
    // see the failures as they happen.
    prometheus = await startPrometheus({
      dir: world,
      target: new URL(serve.url).host,
      token,
      ruleFile: alertsFile,
    })
    const prom = prometheus
    await until('the first scrape', async () => (await prom.query('up{job="agent-squad"} == 1')).length > 0)

    const { squad, agent, repo } = await setupSquad(api, { 'README.md': '# Metrics\n' })
    // A built-in agent on a fake OpenAI-compatible server: its first call is rate limited (429,
    // retry-after 0), then it writes a file and finishes. Model calls, a rate limit, tokens and cost.
    model.setScript([
      { error: { status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'slow down' } } } },
      { toolCalls: [{ id: 'c1', name: 'run', args: { command: 'echo by-model > model.txt' } }] },
      {
        toolCalls: [
          {
            id: 'c2',
            name: 'finish',
            args: { summary: 'Wrote model.txt.', commit_type: 'feat', commit_subject: 'add model.txt' },
          },
        ],
      },
    ])
    const builder = Agent.parse(
      (
        await api.request('POST', `/api/v1/squads/${squad.id}/agents`, {
          body: {
            name: 'Builder',
            role: 'backend',
            llm_provider: 'openai-compatible',
            llm_model: 'fake-coder',
            config: { base_url: model.url, pricing: { input_per_mtok: 1, output_per_mtok: 2 } },
          },
        })
      ).json,
    )
    const task = (title: string, script: string | null, assignee = agent.id) =>
      createTask(api, squad.id, {
        title,
        repository_id: repo.id,
        assignee_id: assignee,
        ...(script ? { script } : {}),
      })
    const tasks = [
      await task('Model writes a file', null, builder.id),
      await task('Write a file', 'echo one > one.txt'),
      ...(await Promise.all(
        Array.from({ length: FAILING }, (_, i) => task(`Fails ${i + 1}`, 'echo broken >&2; exit 1')),
      )),
    ]
    const executions = []
    for (const t of tasks) executions.push(await startTask(api, t.id))
    const done = await Promise.all(executions.map((e) => waitForExecution(api, e.id, { timeoutMs: 300_000 })))
    const statuses = done.map((e) => e.status)
    expect(statuses.slice(0, 2), await logOf(api, done[0]?.id ?? '')).toEqual(['succeeded', 'succeeded'])
    expect(statuses.slice(2)).toEqual(Array(FAILING).fill('failed'))

    // Prometheus has scraped the ends.
    await until('the failures in Prometheus', async () => {
      const [sample] = await prom.query('sum(squad_executions_finished_total{outcome="failed"})')
      return Number(sample?.value[1]) === FAILING
    })

    // The failing-executions alert: its condition holds, and Prometheus says so (pending, then firing).
    const alert = await until('SquadExecutionsFailing pending or firing', async () =>
      (await prom.alerts()).find((a) => a.labels.alertname === 'SquadExecutionsFailing'),
    )
    expect(['pending', 'firing']).toContain(alert.state)

    // Every dashboard expression returns series.
    const empty: string[] = []
    for (const { panel, expr } of dashboardExpressions())
      if ((await prom.query(expr)).length === 0) empty.push(`${panel}: ${expr}`)
    expect(empty, 'dashboard expressions without series').toEqual([])

    // Every alert, as loaded: its expression without thresholds returns series (the metrics it
    // reads exist; a healthy run leaves the condition itself false), and its runbook is a section of
    // docs/operations.md.
    const rules = await prom.rules()
    expect(rules.map((r) => r.name).sort()).toEqual([
      'SquadDataDiskFilling',
      'SquadEventLoopLag',
      'SquadExecutionsFailing',
      'SquadQueueWaitTooLong',
      'SquadSandboxesLeaking',
      'SquadServerDown',
      'SquadVendorRateLimited',
    ])
    const anchors = new Set(
      (await readFile(operationsDoc, 'utf8'))
        .split('\n')
        .filter((line) => line.startsWith('#'))
        .map((line) => anchorOf(line.replace(/^#+/, ''))),
    )
    for (const rule of rules) {
      const readable = withoutThresholds(rule.query)
      expect(readable, rule.name).not.toBe(rule.query)
      expect((await prom.query(readable)).length, `${rule.name}: ${readable}`).toBeGreaterThan(0)
      expect(rule.annotations.summary, rule.name).toBeTruthy()
      expect(rule.annotations.description, rule.name).toBeTruthy()
      const [file, anchor] = (rule.annotations.runbook_url ?? '').split('#')
      expect(file, rule.name).toBe('docs/operations.md')
      expect(anchors.has(anchor ?? ''), `${rule.name}: #${anchor}`).toBe(true)
    }
    // The figures the fake vendor produced, as counted.
    const [limited] = await prom.query(
      'sum(squad_vendor_requests_total{vendor="openai-compatible",outcome="rate_limited"})',
    )
    expect(Number(limited?.value[1])).toBe(1)
    const [output] = await prom.query('sum(squad_model_tokens_total{kind="output",model="fake-coder"})')
    expect(Number(output?.value[1])).toBeGreaterThan(0)
  }, 600_000)
})
