import { randomBytes } from 'node:crypto'
import { sandboxPaths } from '../../../src/sandbox/folder/folder-sandbox-types.ts'
import type { LocalSandboxProvider } from '../../../src/sandbox/local/local-sandbox-provider.ts'
import { NETWORK_INTERNET, NETWORK_OFF } from '../../../src/sandbox/network-policy.ts'
import type { Sandbox } from '../../../src/sandbox/sandbox-provider.ts'
import { ProcessTable } from './process-table.ts'

// The fake's sandboxes: E2B's view (id, template, metadata, state, end time, envd token) over one local
// bubblewrap sandbox each. The fake owns the lifecycle: its own end-time timer kills (or, with
// autoPause, pauses) a sandbox; pause kills the processes and keeps the files; resume starts anew
// from those files.

export type SandboxState = 'running' | 'paused'

export type FakeSandbox = {
  sandboxId: string
  templateID: string
  metadata: Record<string, string>
  startedAt: Date
  endAt: Date
  state: SandboxState
  envdAccessToken: string
  autoPause: boolean
  /** Null when the create did not say (E2B reports it as given). */
  allowInternetAccess: boolean | null
  local: Sandbox
  processes: ProcessTable
  timer?: NodeJS.Timeout
  /** Why it ended, for introspection: killed by a request, by its timeout, or by a test's fault. */
  ended?: 'killed' | 'timeout' | 'fault'
}

export type CreateInput = {
  templateID: string
  timeoutSeconds: number
  metadata: Record<string, string>
  envVars: Record<string, string>
  autoPause: boolean
  allowInternetAccess?: boolean
}

export type SandboxEvents = {
  /** The sandbox stopped serving envd (killed, paused): its open connections are cut, as a VM's are. */
  onStop(sandboxId: string): void
}

/** A local sandbox lives far longer than any E2B timeout: the fake's own timer decides when it ends. */
const LOCAL_LIFETIME_MS = 24 * 60 * 60_000

export class FakeSandboxes {
  readonly #all = new Map<string, FakeSandbox>()
  readonly #gone = new Map<string, FakeSandbox['ended']>()

  readonly #provider: LocalSandboxProvider
  readonly #events: SandboxEvents

  constructor(provider: LocalSandboxProvider, events: SandboxEvents) {
    this.#provider = provider
    this.#events = events
  }

  async create(input: CreateInput): Promise<FakeSandbox> {
    // E2B's ids: 20 lowercase letters and digits.
    const sandboxId = randomBytes(16)
      .toString('base64url')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 20)
    const local = await this.#provider.create({
      template: input.templateID,
      metadata: { e2b_sandbox_id: sandboxId },
      envs: { ...input.envVars, E2B_SANDBOX: 'true', E2B_SANDBOX_ID: sandboxId },
      timeoutMs: LOCAL_LIFETIME_MS,
      network: input.allowInternetAccess === false ? NETWORK_OFF : NETWORK_INTERNET,
    })
    const now = Date.now()
    const sandbox: FakeSandbox = {
      sandboxId,
      templateID: input.templateID,
      metadata: { ...input.metadata },
      startedAt: new Date(now),
      endAt: new Date(now + input.timeoutSeconds * 1000),
      state: 'running',
      envdAccessToken: randomBytes(24).toString('hex'),
      autoPause: input.autoPause,
      allowInternetAccess: input.allowInternetAccess ?? null,
      local,
      processes: new ProcessTable(local, sandboxPaths(this.#provider.root, local.sandboxId).tmp),
    }
    this.#all.set(sandboxId, sandbox)
    this.#schedule(sandbox)
    return sandbox
  }

  get(sandboxId: string): FakeSandbox | undefined {
    return this.#all.get(sandboxId)
  }

  /** Why a sandbox that no longer exists ended (undefined: never existed). */
  endedBecause(sandboxId: string): FakeSandbox['ended'] | undefined {
    return this.#gone.get(sandboxId)
  }

  all(): FakeSandbox[] {
    return [...this.#all.values()]
  }

  setTimeout(sandbox: FakeSandbox, seconds: number) {
    sandbox.endAt = new Date(Date.now() + seconds * 1000)
    if (sandbox.state === 'running') this.#schedule(sandbox)
  }

  async kill(sandbox: FakeSandbox, why: NonNullable<FakeSandbox['ended']>): Promise<void> {
    if (!this.#all.has(sandbox.sandboxId)) return
    this.#all.delete(sandbox.sandboxId)
    this.#gone.set(sandbox.sandboxId, why)
    sandbox.ended = why
    clearTimeout(sandbox.timer)
    this.#events.onStop(sandbox.sandboxId)
    await sandbox.processes.killAll()
    await sandbox.local.kill()
  }

  /** Stops every process and keeps the files; false when it was already paused. */
  async pause(sandbox: FakeSandbox): Promise<boolean> {
    if (sandbox.state === 'paused') return false
    sandbox.state = 'paused'
    clearTimeout(sandbox.timer)
    this.#events.onStop(sandbox.sandboxId)
    await sandbox.processes.killAll()
    return true
  }

  /** Running again with its files as they were, ending `timeoutSeconds` from now. */
  resume(sandbox: FakeSandbox, timeoutSeconds: number) {
    sandbox.state = 'running'
    sandbox.processes = new ProcessTable(
      sandbox.local,
      sandboxPaths(this.#provider.root, sandbox.local.sandboxId).tmp,
    )
    this.setTimeout(sandbox, timeoutSeconds)
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.all().map((sandbox) => this.kill(sandbox, 'killed')))
  }

  #schedule(sandbox: FakeSandbox) {
    clearTimeout(sandbox.timer)
    const delay = Math.max(0, sandbox.endAt.getTime() - Date.now())
    sandbox.timer = setTimeout(
      () => {
        const ending = sandbox.autoPause ? this.pause(sandbox) : this.kill(sandbox, 'timeout')
        ending.catch(() => {})
      },
      Math.min(delay, 2 ** 31 - 1),
    )
    sandbox.timer.unref()
  }
}
