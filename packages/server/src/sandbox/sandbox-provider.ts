import type { Duplex } from 'node:stream'
import type { NetworkPolicy } from './network-policy.ts'

export type { NetworkPolicy } from './network-policy.ts'

/**
 * The sandbox port, shaped like the E2B SDK (`Sandbox.create`, `sandbox.commands.run`,
 * `sandbox.files`, `kill`, `setTimeout`, `Sandbox.list`, `Sandbox.connect`) so the E2B adapter stays
 * thin. Adapters live beside this file: local/ (bubblewrap, the default), process/ (no isolation,
 * explicit opt-in), e2b/. Every adapter runs the shared suite in test/sandbox/sandbox-contract.ts.
 */

export type SandboxCreateOpts = {
  /** Provider-specific image or template name; the local provider ignores it. */
  template?: string
  /** Environment every command in the sandbox sees (never the server's own environment). */
  envs?: Record<string, string>
  /** Searchable labels, e.g. `{ execution_id, task_id }`, used to find and reap sandboxes. */
  metadata?: Record<string, string>
  /** The sandbox kills itself this long after creation unless `setTimeout` extends it. */
  timeoutMs?: number
  /**
   * What the sandbox's commands may reach (see network-policy.ts): `internet` (public addresses
   * only) by default; `allowlist` or `off` per squad or task. Never this host's loopback or private
   * network unless an entry names it.
   */
  network?: NetworkPolicy
  /**
   * A folder whose contents become the initial workspace (the local provider mounts it as the
   * copy-on-write lower layer when it can, else copies it). Remote providers ignore it.
   */
  workspaceTemplate?: string
  /**
   * Host paths every command sees read-only at the same path (the repository mirror, so the
   * workspace's `objects/info/alternates` resolves). Remote providers ignore it.
   */
  extraReadOnlyBinds?: string[]
  /**
   * Disk space of the sandbox's workspace changes, /tmp and home together, in bytes (a squad
   * setting); the provider's default (10 GiB locally) when absent, 0 for none. At the limit a write
   * fails with ENOSPC and the failed command's stderr says the sandbox is out of its quota. Remote
   * providers size their VM disk from it.
   */
  diskQuotaBytes?: number
}

export type CommandRunOpts = {
  /** Working directory inside the sandbox; defaults to the workspace. */
  cwd?: string
  envs?: Record<string, string>
  /** Kill the command (and everything it started) after this long; default 5 minutes. */
  timeoutMs?: number
  onStdout?: (data: string) => void
  onStderr?: (data: string) => void
  /** Bytes kept of stdout and of stderr each; output beyond is dropped and `truncated` set. */
  maxOutputBytes?: number
  stdin?: string
  /**
   * Network for this one command, overriding the sandbox's policy (the pipeline's git fetch and push
   * reach exactly the forge, even when the agent runs offline). Providers whose network is per
   * sandbox ignore it.
   */
  network?: NetworkPolicy
  /**
   * Services of the host this one command reaches at `http://127.0.0.1:<port>` on its own loopback,
   * whatever its network policy (the model proxy, so that a model key never enters the sandbox).
   * Only for sandboxes whose `hostServices` is true; others reject the command with AppError
   * `unavailable` rather than start it with an address that leads nowhere.
   */
  hostServices?: HostService[]
}

/**
 * A host-side service a sandbox command connects to: each connection the command opens to
 * 127.0.0.1:`port` inside is handed to `accept` on the host (an `http.Server` takes it with
 * `emit('connection', socket)`). The local provider binds a Unix socket into the command and relays
 * the port to it (like the egress proxy); a remote provider (E2B) would need the service at a URL
 * its VM can reach, which is not built: it leaves `Sandbox.hostServices` unset.
 */
export type HostService = { port: number; accept(socket: Duplex): void }

export type CommandResult = {
  exitCode: number
  stdout: string
  stderr: string
  /** Set when the command was killed: `timeout`, `output_limit` or `killed`. */
  error?: 'timeout' | 'output_limit' | 'killed'
  truncated: boolean
  durationMs: number
}

/** A command that exited non-zero. Like E2B's CommandExitError, it still carries the whole result. */
export class CommandExitError extends Error {
  readonly result: CommandResult
  constructor(command: string, result: CommandResult) {
    super(
      result.error
        ? `command ${result.error === 'timeout' ? 'timed out' : `stopped (${result.error})`}: ${command}`
        : `command exited with ${result.exitCode}: ${command}`,
    )
    this.name = 'CommandExitError'
    this.result = result
  }
  get exitCode() {
    return this.result.exitCode
  }
  get stdout() {
    return this.result.stdout
  }
  get stderr() {
    return this.result.stderr
  }
}

export type CommandHandle = {
  pid: number
  /** Resolves when the command ends (or rejects with CommandExitError). */
  wait(): Promise<CommandResult>
  kill(): Promise<void>
}

export type Commands = {
  /** Runs `cmd` with /bin/sh -c in the sandbox; rejects with CommandExitError on a non-zero exit. */
  run(cmd: string, opts?: CommandRunOpts & { background?: false }): Promise<CommandResult>
  run(cmd: string, opts: CommandRunOpts & { background: true }): Promise<CommandHandle>
}

export type EntryInfo = { name: string; path: string; type: 'file' | 'dir' | 'symlink'; size: number }

/** File access confined to the sandbox; paths are relative to the workspace or absolute inside it. */
export type Files = {
  read(path: string): Promise<string>
  readBytes(path: string): Promise<Uint8Array>
  write(path: string, data: string | Uint8Array): Promise<void>
  list(path: string): Promise<EntryInfo[]>
  remove(path: string): Promise<void>
  exists(path: string): Promise<boolean>
}

export type SandboxInfo = {
  sandboxId: string
  metadata: Record<string, string>
  startedAt: Date
  /** When the sandbox will kill itself. */
  endAt: Date
}

export type Sandbox = {
  readonly sandboxId: string
  /** Absolute path of the workspace as commands inside the sandbox see it (e.g. /workspace). */
  readonly workdir: string
  /**
   * The HTTP proxy through which the sandbox's commands reach the network, when the provider's
   * network is one (commands also get it as HTTPS_PROXY/HTTP_PROXY); undefined when they connect
   * directly. Pipeline git commands set it explicitly, overriding whatever the workspace configures.
   */
  readonly proxyUrl?: string
  /** True when commands may be given `hostServices` (see CommandRunOpts). */
  readonly hostServices?: boolean
  readonly commands: Commands
  readonly files: Files
  /** Kills every process and deletes the sandbox; idempotent. */
  kill(): Promise<void>
  /** Moves the self-destruct deadline to `timeoutMs` from now. */
  setTimeout(timeoutMs: number): Promise<void>
  isRunning(): Promise<boolean>
}

export type SandboxProvider = {
  readonly name: string
  create(opts?: SandboxCreateOpts): Promise<Sandbox>
  /** Re-attaches to a live sandbox (after a server restart); rejects with AppError not_found when it is gone. */
  connect(sandboxId: string): Promise<Sandbox>
  /** Live sandboxes whose metadata contains every given key/value. */
  list(opts?: { metadata?: Record<string, string> }): Promise<SandboxInfo[]>
}
