import type { NetworkPolicy } from './network-policy.ts'

export type { NetworkPolicy } from './network-policy.ts'

/**
 * The sandbox port, shaped like the E2B SDK (`Sandbox.create`, `sandbox.commands.run`,
 * `sandbox.files`, `kill`, `setTimeout`, `Sandbox.list`, `Sandbox.connect`) so a remote adapter
 * stays thin. Adapters live in sibling folders: local/ (bubblewrap, the default) and process/ (no
 * isolation, explicit opt-in), both built on folder/ (a sandbox as a folder on this host). What only
 * some providers can do is declared in `capabilities`, and callers ask it instead of testing the
 * provider's kind. Every adapter runs the shared suite in test/sandbox/sandbox-contract.ts.
 */

/** What a create means on every provider: nothing here names a host path or a host uid. */
export type SandboxCreateOpts = {
  /** Provider-specific image or template name; providers with one fixed system ignore it. */
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
   * Disk space of the sandbox's workspace changes, /tmp and home together, in bytes (a squad
   * setting); the provider's default (10 GiB locally) when absent, 0 for none. At the limit a write
   * fails with ENOSPC and the failed command's stderr says the sandbox is out of its quota. Providers
   * whose disk size comes with their template ignore it.
   */
  diskQuotaBytes?: number
}

/** Where a sandbox on this host can start from: host folders, which only a local provider can see. */
export type HostFolderOpts = {
  /**
   * A folder whose contents become the initial workspace (mounted as the copy-on-write lower layer
   * when the provider can, else copied).
   */
  workspaceTemplate?: string
  /**
   * Host paths every command sees read-only at the same path (the repository mirror, so the
   * workspace's `objects/info/alternates` resolves).
   */
  extraReadOnlyBinds?: string[]
}

/** A provider whose sandboxes live on this host, so their workspace can start from a host folder. */
export type HostFolderSeeding = {
  create(opts: SandboxCreateOpts & HostFolderOpts): Promise<Sandbox>
  /**
   * Done once to a new base checkout before any sandbox uses it and before its git index is
   * refreshed: whatever the provider changes in a template on first use (the local provider gives
   * its files a shared group) lands there, not as a stale index in front of every sandbox's first git
   * command. No sandbox is made for it.
   */
  adoptTemplate(dir: string): Promise<void>
}

/** What a provider can do beyond the port's common ground; callers ask this, never the provider's name. */
export type SandboxCapabilities = {
  /** Present when the workspace can start from a folder on this host (local providers). */
  seedFromHostFolder?: HostFolderSeeding
  /**
   * A command's own `network` option overrides the sandbox's policy (the pipeline's git fetch and
   * push reach exactly the forge while the agent runs offline). False: the network is set once per
   * sandbox, and work that needs another reach happens on the host instead.
   */
  networkPerCommand: boolean
  /**
   * `sandbox.pause()` and `provider.resume()` exist: a paused sandbox keeps its files, installed
   * dependencies and caches (and, on a microVM, its memory) while costing nothing to run.
   */
  pause: boolean
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
   * reach exactly the forge, even when the agent runs offline). Only honoured where
   * `capabilities.networkPerCommand` is true; other providers reject it with `bad_request` rather
   * than run the command with a reach it did not ask for.
   */
  network?: NetworkPolicy
}

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
  /** `paused` for a paused sandbox (where `capabilities.pause`); absent means running. */
  state?: 'running' | 'paused'
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
  readonly commands: Commands
  readonly files: Files
  /** Kills every process and deletes the sandbox; idempotent. */
  kill(): Promise<void>
  /** Moves the self-destruct deadline to `timeoutMs` from now. */
  setTimeout(timeoutMs: number): Promise<void>
  isRunning(): Promise<boolean>
  /**
   * Freezes the sandbox (where `capabilities.pause`): its processes stop, its files stay, its
   * timeout no longer runs; `provider.resume(sandboxId)` brings it back. Idempotent.
   */
  pause?(): Promise<void>
}

export type SandboxProvider = {
  readonly name: string
  readonly capabilities: SandboxCapabilities
  create(opts?: SandboxCreateOpts): Promise<Sandbox>
  /**
   * Re-attaches to a sandbox (after a server restart). Rejects with AppError `sandbox_gone` when the
   * sandbox no longer exists (killed, expired, reaped: its work is lost and must be redone), and with
   * a retryable AppError (`unavailable`, `rate_limited`) when it could not be reached right now (its
   * work may be intact: try again later, never redo it).
   */
  connect(sandboxId: string): Promise<Sandbox>
  /** Brings a paused sandbox back with `timeoutMs` to live (where `capabilities.pause`); errors as connect. */
  resume?(sandboxId: string, opts?: { timeoutMs?: number }): Promise<Sandbox>
  /** Live sandboxes whose metadata contains every given key/value (paused ones included). */
  list(opts?: { metadata?: Record<string, string> }): Promise<SandboxInfo[]>
}
