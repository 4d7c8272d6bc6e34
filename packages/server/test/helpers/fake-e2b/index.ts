import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalSandboxProvider } from '../../../src/sandbox/local/local-sandbox-provider.ts'
import { type ControlPlaneDeps, handleControlPlane } from './control-plane.ts'
import { startEnvdServer } from './envd-server.ts'
import { Faults } from './faults.ts'
import { E2B_HOME } from './filesystem-service.ts'
import { type FakeSandbox, FakeSandboxes } from './sandboxes.ts'

// A local E2B for tests: the control-plane REST API and the in-sandbox daemon envd, speaking E2B's
// wire protocol to the real `e2b` SDK, with one local bubblewrap sandbox behind each E2B sandbox.
// See README.md in this folder.

export type { FakeSandbox } from './sandboxes.ts'

export type StartFakeE2BOptions = {
  /** The key the SDK must send (X-API-KEY); default a random one. */
  apiKey?: string
  /** Folder for the local sandboxes; default a fresh temporary folder, removed by close(). */
  root?: string
  /** envd version reported to the SDK (it gates features on it). Default 0.5.7. */
  envdVersion?: string
}

export type FakeE2B = {
  apiUrl: string
  /** envd of every sandbox, routed by the E2b-Sandbox-Id header. */
  sandboxUrl: string
  apiKey: string
  /** Spread into Sandbox.create / connect / list / kill: `Sandbox.create({ ...fake.sdkOptions })`. */
  sdkOptions: { apiKey: string; apiUrl: string; sandboxUrl: string; domain: string }
  inject: {
    /** The next `count` creates answer 429 with `Retry-After: retryAfterSeconds` (default 1). */
    rateLimitCreates(count: number, retryAfterSeconds?: number): void
    /** Every create waits this long before it answers (0 to stop). */
    createDelay(ms: number): void
    /**
     * envd unreachable for `ms`: `refuse` stops listening (connection refused, every sandbox);
     * `502` answers 502 as E2B's proxy does, for one sandbox or all. Resolves once in force.
     */
    envdDown(opts: { ms: number; mode?: 'refuse' | '502'; sandboxId?: string }): Promise<void>
    /** Kills a sandbox now, as if it vanished (its connections cut, then 404 / 502). */
    killSandbox(sandboxId: string): Promise<void>
  }
  sandboxes: {
    /** Live sandboxes (running and paused). */
    all(): FakeSandbox[]
    get(sandboxId: string): FakeSandbox | undefined
    running(): FakeSandbox[]
    paused(): FakeSandbox[]
    /** Why a sandbox that is gone ended: `killed` (a request), `timeout` or `fault`. */
    endedBecause(sandboxId: string): 'killed' | 'timeout' | 'fault' | undefined
  }
  stats: {
    /** Requests seen per route: `POST /v2/sandboxes`, `envd POST /process.Process/Start`, … */
    requests(): Record<string, number>
    /** The most creates accepted in any one second. */
    peakCreatesPerSecond(): number
  }
  /** Kills every sandbox and stops both servers. */
  close(): Promise<void>
}

export async function startFakeE2B(options: StartFakeE2BOptions = {}): Promise<FakeE2B> {
  const apiKey = options.apiKey ?? `e2b_fake_${Math.random().toString(36).slice(2)}`
  const ownRoot = options.root === undefined
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'fake-e2b-')))
  const provider = new LocalSandboxProvider({
    root,
    layout: { workdir: E2B_HOME, home: E2B_HOME, user: 'user' },
    // E2B sizes disks by template; a local quota would only cost each create a mount.
    diskQuotaBytes: 0,
  })
  const faults = new Faults()
  let severe: (sandboxId: string) => void = () => {}
  const sandboxes = new FakeSandboxes(provider, { onStop: (sandboxId) => severe(sandboxId) })
  const envd = await startEnvdServer({ sandboxes, faults })
  severe = envd.sever
  const deps: ControlPlaneDeps = {
    apiKey,
    sandboxes,
    faults,
    envdVersion: options.envdVersion ?? '0.5.7',
    domain: 'fake-e2b.test',
  }
  const api = createServer((req, res) => void handleControlPlane(deps, req, res))
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`
  const sdkOptions = { apiKey, apiUrl, sandboxUrl: envd.url, domain: deps.domain }
  let downTimer: NodeJS.Timeout | undefined

  return {
    apiUrl,
    sandboxUrl: envd.url,
    apiKey,
    sdkOptions,
    inject: {
      rateLimitCreates(count, retryAfterSeconds = 1) {
        faults.rateLimitedCreates = count
        faults.retryAfterSeconds = retryAfterSeconds
      },
      createDelay(ms) {
        faults.createDelayMs = ms
      },
      async envdDown({ ms, mode = 'refuse', sandboxId }) {
        if (mode === '502') {
          faults.envdOutages.push({ mode, until: Date.now() + ms, ...(sandboxId ? { sandboxId } : {}) })
          if (sandboxId) envd.sever(sandboxId)
          else for (const s of sandboxes.all()) envd.sever(s.sandboxId)
          return
        }
        clearTimeout(downTimer)
        await envd.refuse()
        downTimer = setTimeout(() => void envd.resume(), ms)
      },
      async killSandbox(sandboxId) {
        const sandbox = sandboxes.get(sandboxId)
        if (sandbox) await sandboxes.kill(sandbox, 'fault')
      },
    },
    sandboxes: {
      all: () => sandboxes.all(),
      get: (sandboxId) => sandboxes.get(sandboxId),
      running: () => sandboxes.all().filter((s) => s.state === 'running'),
      paused: () => sandboxes.all().filter((s) => s.state === 'paused'),
      endedBecause: (sandboxId) => sandboxes.endedBecause(sandboxId),
    },
    stats: {
      requests: () => Object.fromEntries(faults.requests),
      peakCreatesPerSecond: () => faults.peakCreatesPerSecond(),
    },
    async close() {
      clearTimeout(downTimer)
      await sandboxes.closeAll()
      await provider.close()
      const closing = new Promise<void>((resolve) => api.close(() => resolve()))
      api.closeAllConnections()
      await Promise.all([closing, envd.close()])
      if (ownRoot) await rm(root, { recursive: true, force: true })
    },
  }
}

/** Resolves once `condition` holds, checking every 50 ms; rejects after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
