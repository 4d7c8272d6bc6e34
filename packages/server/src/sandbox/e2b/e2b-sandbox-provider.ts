import { hostname } from 'node:os'
import { ALL_TRAFFIC, type ConnectionOpts, Sandbox as E2bSandbox, type SandboxOpts } from 'e2b'
import { AppError, sandboxGone } from '../../domain/errors.ts'
import type { NetworkPolicy } from '../network-policy.ts'
import type {
  Sandbox,
  SandboxCapabilities,
  SandboxCreateOpts,
  SandboxInfo,
  SandboxProvider,
} from '../sandbox-provider.ts'
import {
  type Clock,
  ConcurrencyCap,
  createRateLimiter,
  realClock,
  retryRateLimited,
} from './create-admission.ts'
import { e2bCommands } from './e2b-commands.ts'
import { e2bCall, translateE2bError } from './e2b-errors.ts'
import { e2bFiles } from './e2b-files.ts'
import { prepareSandbox } from './prepare-sandbox.ts'

export type E2bProviderOpts = {
  apiKey: string
  /** The E2B template every sandbox starts from unless a create names another. */
  template: string
  /** E2B's domain; `apiUrl`/`sandboxUrl` point the SDK elsewhere (an E2B-compatible server). */
  domain?: string
  apiUrl?: string
  sandboxUrl?: string
  /** Sandbox creations per second (E2B limits them per team). Default 1. */
  createsPerSecond?: number
  /** Live sandboxes of this provider at once; more creates wait in line. Default 20. */
  maxConcurrent?: number
  /** Tries of a rate-limited call, and the first backoff. Default 5 tries from 1 s. */
  rateLimitAttempts?: number
  rateLimitBaseDelayMs?: number
  /** Lifetime of a sandbox when create() gives no timeoutMs. Default 1 hour. */
  defaultSandboxTimeoutMs?: number
  defaultCommandTimeoutMs?: number
  defaultMaxOutputBytes?: number
  /** Where the workspace lives in the sandbox. Default /home/user/workspace. */
  workdir?: string
  /** Labels this server's sandboxes: `agent_squad` (the installation) and `agent_squad_server`. */
  installation?: string
  serverId?: string
  requestTimeoutMs?: number
  clock?: Clock
}

/** Metadata keys the provider owns; list() filters on the first and hides both. */
export const LABEL_INSTALLATION = 'agent_squad'
export const LABEL_SERVER = 'agent_squad_server'

/**
 * Sandboxes on E2B (microVMs in E2B's cloud, or on an E2B-compatible server) through the official
 * SDK. Every SDK error is translated at this boundary (e2b-errors.ts); creates pass a rate limit, a
 * concurrency cap that queues, and a backoff on 429; a new sandbox is checked for git before it is
 * handed out. The workspace never starts from a host folder: the pipeline hands the repository in.
 */
export class E2bSandboxProvider implements SandboxProvider {
  readonly name = 'e2b'
  readonly capabilities: SandboxCapabilities = { networkPerCommand: false, pause: true }
  readonly cap: ConcurrencyCap
  readonly #opts: E2bProviderOpts
  readonly #admit: (signal?: AbortSignal) => Promise<void>
  readonly #labels: Record<string, string>
  readonly #workdir: string

  constructor(opts: E2bProviderOpts) {
    if (!opts.apiKey) throw new AppError('bad_request', 'the E2B provider needs an API key (E2B_API_KEY)')
    this.#opts = opts
    const clock = opts.clock ?? realClock
    this.#admit = createRateLimiter(opts.createsPerSecond ?? 1, clock)
    this.cap = new ConcurrencyCap(opts.maxConcurrent ?? 20, clock)
    this.#labels = {
      [LABEL_INSTALLATION]: opts.installation ?? 'default',
      [LABEL_SERVER]: opts.serverId ?? `${hostname()}:${process.pid}`,
    }
    this.#workdir = opts.workdir ?? '/home/user/workspace'
  }

  /** How the SDK reaches E2B: the key and URLs, never from the server's environment implicitly. */
  get #connection(): ConnectionOpts {
    const o = this.#opts
    return {
      apiKey: o.apiKey,
      ...(o.domain ? { domain: o.domain } : {}),
      ...(o.apiUrl ? { apiUrl: o.apiUrl } : {}),
      ...(o.sandboxUrl ? { sandboxUrl: o.sandboxUrl } : {}),
      ...(o.requestTimeoutMs ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
    }
  }

  #retrying<T>(fn: () => Promise<T>): Promise<T> {
    return retryRateLimited(fn, {
      attempts: this.#opts.rateLimitAttempts ?? 5,
      baseDelayMs: this.#opts.rateLimitBaseDelayMs ?? 1000,
      ...(this.#opts.clock ? { clock: this.#opts.clock } : {}),
    })
  }

  async create(opts: SandboxCreateOpts = {}): Promise<Sandbox> {
    const template = opts.template ?? this.#opts.template
    const timeoutMs = opts.timeoutMs ?? this.#opts.defaultSandboxTimeoutMs ?? 60 * 60_000
    const slot = await this.cap.acquire()
    let sdk: E2bSandbox | undefined
    try {
      sdk = await this.#retrying(async () => {
        await this.#admit()
        return e2bCall({ action: 'create', template }, () =>
          E2bSandbox.create(template, {
            ...this.#connection,
            metadata: { ...opts.metadata, ...this.#labels },
            envs: { ...opts.envs },
            timeoutMs,
            ...networkOpts(opts.network),
          } satisfies SandboxOpts),
        )
      })
      const made = sdk
      await prepareSandbox({
        sdk: made,
        template,
        workdir: this.#workdir,
        fail: (a, e) => this.#fail(made, a, e),
      })
      slot.settle(made.sandboxId, Date.now() + timeoutMs)
      return this.#view(made)
    } catch (error) {
      slot.settle()
      if (sdk) await sdk.kill().catch(() => {})
      throw translateE2bError(error, { action: 'create', template })
    }
  }

  async connect(sandboxId: string): Promise<Sandbox> {
    return this.#attach(sandboxId, 'connect')
  }

  async resume(sandboxId: string, opts: { timeoutMs?: number } = {}): Promise<Sandbox> {
    return this.#attach(sandboxId, 'resume', opts.timeoutMs)
  }

  async list(opts: { metadata?: Record<string, string> } = {}): Promise<SandboxInfo[]> {
    const metadata = { ...opts.metadata, [LABEL_INSTALLATION]: this.#labels[LABEL_INSTALLATION] as string }
    const paginator = E2bSandbox.list({ ...this.#connection, query: { metadata } })
    const infos: SandboxInfo[] = []
    while (paginator.hasNext) {
      const page = await this.#retrying(() => e2bCall({ action: 'list' }, () => paginator.nextItems()))
      for (const info of page) {
        const { [LABEL_INSTALLATION]: _installation, [LABEL_SERVER]: _server, ...own } = info.metadata
        infos.push({
          sandboxId: info.sandboxId,
          metadata: own,
          startedAt: info.startedAt,
          endAt: info.endAt,
          state: info.state,
        })
      }
    }
    return infos.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())
  }

  /**
   * Connect (which resumes a paused sandbox, as E2B's connect does) with the gone/unreachable split:
   * E2B answering that it does not know the id is `sandbox_gone`; no answer is retryable.
   */
  async #attach(sandboxId: string, action: string, timeoutMs?: number): Promise<Sandbox> {
    if (!sandboxId || /[/\s]/.test(sandboxId)) throw sandboxGone(sandboxId)
    const sdk = await this.#retrying(() =>
      e2bCall({ action, sandboxId }, () =>
        E2bSandbox.connect(sandboxId, { ...this.#connection, ...(timeoutMs ? { timeoutMs } : {}) }),
      ),
    )
    const info = await e2bCall({ action, sandboxId }, () => sdk.getInfo())
    this.cap.hold(sandboxId, info.endAt.getTime())
    return this.#view(sdk)
  }

  /**
   * Translates a failure of a call on a live sandbox. The SDK reports a sandbox that died mid-call
   * as a timeout or an unreachable daemon; asking the control plane tells gone from unreachable.
   */
  async #fail(sdk: E2bSandbox, action: string, error: unknown): Promise<never> {
    const translated = translateE2bError(error, { action, sandboxId: sdk.sandboxId })
    if (translated.code === 'unavailable' && translated.retryable) {
      const alive = await E2bSandbox.getInfo(sdk.sandboxId, this.#connection).then(
        (info) => info.state === 'running',
        (probe) => translateE2bError(probe, { action, sandboxId: sdk.sandboxId }).code !== 'sandbox_gone',
      )
      if (!alive) {
        this.cap.release(sdk.sandboxId)
        throw sandboxGone(sdk.sandboxId)
      }
    }
    throw translated
  }

  #view(sdk: E2bSandbox): Sandbox {
    const sandboxId = sdk.sandboxId
    let killed = false
    const assertAlive = () => {
      if (killed) throw sandboxGone(sandboxId)
    }
    const fail = (action: string, error: unknown) => this.#fail(sdk, action, error)
    const host = { sdk, workdir: this.#workdir, fail, assertAlive }
    return {
      sandboxId,
      workdir: this.#workdir,
      commands: e2bCommands({
        ...host,
        defaultTimeoutMs: this.#opts.defaultCommandTimeoutMs ?? 5 * 60_000,
        defaultMaxOutputBytes: this.#opts.defaultMaxOutputBytes ?? 10 * 1024 * 1024,
      }),
      files: e2bFiles(host),
      kill: async () => {
        killed = true
        this.cap.release(sandboxId)
        // Gone already is what kill wants: idempotent.
        await E2bSandbox.kill(sandboxId, this.#connection).catch((error) => {
          const translated = translateE2bError(error, { action: 'kill', sandboxId })
          if (translated.code !== 'sandbox_gone' && translated.code !== 'not_found') throw translated
        })
      },
      setTimeout: async (timeoutMs: number) => {
        assertAlive()
        if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
          throw new AppError('bad_request', 'timeoutMs must be a positive whole number of milliseconds')
        await this.#retrying(() =>
          e2bCall({ action: 'setTimeout', sandboxId }, () => sdk.setTimeout(timeoutMs)),
        )
        this.cap.hold(sandboxId, Date.now() + timeoutMs)
      },
      isRunning: async () => {
        if (killed) return false
        return sdk.isRunning().catch(() => false)
      },
      pause: async () => {
        assertAlive()
        await this.#retrying(() => e2bCall({ action: 'pause', sandboxId }, () => sdk.pause()))
        // A paused sandbox does not count against E2B's running-sandbox limit.
        this.cap.release(sandboxId)
      },
    }
  }
}

/**
 * The port's network policy in E2B's terms. `allowlist` becomes E2B's egress allow list with all
 * other traffic denied; E2B matches hosts and CIDRs, not ports, so `host:port` allows the host.
 */
export function networkOpts(
  policy: NetworkPolicy | undefined,
): Pick<SandboxOpts, 'allowInternetAccess' | 'network'> {
  if (!policy || policy.mode === 'internet') return { allowInternetAccess: true }
  if (policy.mode === 'off') return { allowInternetAccess: false }
  const allowOut = [...new Set(policy.allow.map((entry) => entry.replace(/:\d+$/, '')))]
  return { network: { allowOut, denyOut: [ALL_TRAFFIC] } }
}
