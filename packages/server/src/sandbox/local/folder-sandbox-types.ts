import { join } from 'node:path'
import { z } from 'zod'
import type { NetworkPolicy } from '../network-policy.ts'
import type { Files, HostService, SandboxCreateOpts } from '../sandbox-provider.ts'
import type { Launch, RawResult, RunningProcess } from './run-process.ts'

/** Where one sandbox lives on the host: `<root>/<sandboxId>/…`. */
export type SandboxPaths = {
  dir: string
  meta: string
  workspace: string
  tmp: string
  home: string
  etc: string
  /** Upper and work directories of the overlay, when the workspace is one. */
  layers: string
}

export const sandboxPaths = (root: string, sandboxId: string): SandboxPaths => {
  const dir = join(root, sandboxId)
  return {
    dir,
    meta: join(dir, 'meta.json'),
    workspace: join(dir, 'workspace'),
    tmp: join(dir, 'tmp'),
    home: join(dir, 'home'),
    etc: join(dir, 'etc'),
    layers: join(dir, 'overlay'),
  }
}

/**
 * meta.json: what a later server process needs to reconnect, list and reap a sandbox. The environment
 * is deliberately absent (it may hold secrets): it lives in memory only, so a sandbox reconnected
 * after a restart runs its commands without its create-time `envs`.
 */
export const SandboxMeta = z.object({
  version: z.literal(1),
  sandboxId: z.string(),
  provider: z.string(),
  metadata: z.record(z.string(), z.string()),
  startedAt: z.string(),
  endAt: z.string(),
  /** The host uid (and gid) the sandbox's processes and files belong to. */
  uid: z.number().int(),
  gid: z.number().int(),
  /** The sandbox's network policy; `true`/`false` in folders made before policies existed. */
  network: z.union([
    z.boolean(),
    z.object({ mode: z.literal('off') }),
    z.object({ mode: z.literal('internet'), allow: z.array(z.string()).optional() }),
    z.object({ mode: z.literal('allowlist'), allow: z.array(z.string()) }),
  ]),
  workspace: z.enum(['overlay', 'copy', 'empty']),
  extraReadOnlyBinds: z.array(z.string()),
})
export type SandboxMeta = z.infer<typeof SandboxMeta>
export type WorkspaceKind = SandboxMeta['workspace']

/** Runs argv inside the sandbox and returns raw bytes (the files API of the local provider uses it). */
export type Exec = (
  argv: string[],
  opts: { stdin?: Uint8Array; maxOutputBytes: number; timeoutMs: number },
) => Promise<RawResult>

/** A launch plus what to undo once its process has ended (e.g. the command's egress proxy). */
export type DriverLaunch = Launch & { dispose?: () => Promise<void> }

/** Everything that differs between "inside bubblewrap" and "a plain child process". */
export type SandboxDriver = {
  readonly name: string
  /** Dedicated uid per sandbox (root only), or the server's own. */
  readonly identity: { kind: 'per-sandbox'; base: number; count: number } | { kind: 'server' }
  /** Rejects with AppError `unavailable` saying how to fix it. */
  ensureAvailable(): Promise<void>
  /** Creates workspace, tmp, home… under `paths.dir` (which exists, mode 0700). */
  prepare(input: {
    sandboxId: string
    paths: SandboxPaths
    opts: SandboxCreateOpts
    uid: number
    gid: number
  }): Promise<WorkspaceKind>
  /** The workspace as commands see it. */
  workdir(paths: SandboxPaths): string
  /** The HTTP proxy commands with network reach the outside through (see Sandbox.proxyUrl). */
  readonly proxyUrl?: string
  /** True when `launch` can give a command host services (see CommandRunOpts.hostServices). */
  readonly hostServices?: boolean
  /** The environment every command starts from, before the sandbox's and the command's own. */
  baseEnv(paths: SandboxPaths): Record<string, string>
  launch(input: {
    meta: SandboxMeta
    paths: SandboxPaths
    argv: string[]
    cwd: string | undefined
    env: Record<string, string>
    /** The command's network: its own `network` option, else the sandbox's. */
    network: NetworkPolicy
    /** Host services the command reaches on its loopback; only given when `hostServices` is true. */
    hostServices: HostService[]
  }): Promise<DriverLaunch>
  files(input: { meta: SandboxMeta; paths: SandboxPaths; exec: Exec }): Files
  /** Unmounts whatever the driver mounted under `paths.dir`; the folder is deleted afterwards. */
  release(paths: SandboxPaths): Promise<void>
}

export type SandboxLogger = { warn(obj: object, msg: string): void }

export const stderrLogger: SandboxLogger = {
  warn: (obj, msg) => process.stderr.write(`WARN ${msg} ${JSON.stringify(obj)}\n`),
}

export type FolderSandboxesOpts = {
  /** Folder holding one sub-folder per sandbox (created with mode 0700), e.g. `<dataDir>/sandboxes`. */
  root: string
  driver: SandboxDriver
  /** Lifetime of a sandbox when create() gives no timeoutMs. Default 1 hour. */
  defaultSandboxTimeoutMs?: number
  /** Per-command deadline when run() gives none. Default 5 minutes. */
  defaultCommandTimeoutMs?: number
  /** Default cap of kept stdout and of stderr. Default 10 MB. */
  defaultMaxOutputBytes?: number
  logger?: SandboxLogger
}

export type Live = {
  meta: SandboxMeta
  paths: SandboxPaths
  /** Create-time envs: memory only, never on disk. */
  envs: Record<string, string>
  running: Set<RunningProcess>
  timer?: NodeJS.Timeout
  killing?: Promise<void>
}

export const ID = /^sbx-[0-9a-f]{16}$/
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
export const MAX_TIMER_MS = 2 ** 31 - 1
export const MB = 1024 * 1024
