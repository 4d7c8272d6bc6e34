import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises'
import { isAbsolute, normalize } from 'node:path'
import { AppError, notFound } from '../../domain/errors.ts'
import { NETWORK_INTERNET, NETWORK_OFF, normalizePolicy } from '../network-policy.ts'
import type {
  CommandRunOpts,
  Files,
  Sandbox,
  SandboxCreateOpts,
  SandboxInfo,
  SandboxProvider,
} from '../sandbox-provider.ts'
import { makeCommands } from './commands.ts'
import {
  killUidProcesses,
  messageOf,
  safeJson,
  validateCreateOpts,
  writeMeta,
} from './folder-sandbox-support.ts'
import {
  ENV_NAME,
  type Exec,
  type FolderSandboxesOpts,
  ID,
  type Live,
  MAX_TIMER_MS,
  MB,
  type SandboxDriver,
  type SandboxLogger,
  SandboxMeta,
  type SandboxPaths,
  sandboxPaths,
  stderrLogger,
} from './folder-sandbox-types.ts'
import { type RunningProcess, startProcess } from './run-process.ts'
import { releaseUid, reserveUid } from './uid-leases.ts'

/**
 * A sandbox provider whose sandboxes are folders on this host; the driver decides how commands are
 * isolated. Owns ids, meta.json, the self-destruct timers, list/connect after a restart and reaping.
 */
export class FolderSandboxes implements SandboxProvider {
  readonly name: string
  readonly root: string
  readonly #driver: SandboxDriver
  readonly #logger: SandboxLogger
  readonly #sandboxTimeoutMs: number
  readonly #commandTimeoutMs: number
  readonly #maxOutputBytes: number
  readonly #live = new Map<string, Live>()
  readonly #creating = new Set<string>()
  readonly #pendingUids = new Set<number>()

  constructor(opts: FolderSandboxesOpts) {
    if (!isAbsolute(opts.root))
      throw new AppError('bad_request', `sandbox root must be absolute: ${opts.root}`)
    this.root = normalize(opts.root)
    this.#driver = opts.driver
    this.name = opts.driver.name
    this.#logger = opts.logger ?? stderrLogger
    this.#sandboxTimeoutMs = opts.defaultSandboxTimeoutMs ?? 60 * 60_000
    this.#commandTimeoutMs = opts.defaultCommandTimeoutMs ?? 5 * 60_000
    this.#maxOutputBytes = opts.defaultMaxOutputBytes ?? 10 * MB
  }

  async create(opts: SandboxCreateOpts = {}): Promise<Sandbox> {
    validateCreateOpts(opts)
    await this.#driver.ensureAvailable()
    await mkdir(this.root, { recursive: true, mode: 0o700 })
    await chmod(this.root, 0o700)
    const sandboxId = `sbx-${randomBytes(8).toString('hex')}`
    const paths = sandboxPaths(this.root, sandboxId)
    this.#creating.add(sandboxId)
    let uid: number | undefined
    try {
      await mkdir(paths.dir, { mode: 0o700 })
      uid = await this.#allocateUid(paths.dir)
      const workspace = await this.#driver.prepare({ sandboxId, paths, opts, uid, gid: uid })
      const now = Date.now()
      const meta: SandboxMeta = {
        version: 1,
        sandboxId,
        provider: this.name,
        metadata: { ...opts.metadata },
        startedAt: new Date(now).toISOString(),
        endAt: new Date(now + (opts.timeoutMs ?? this.#sandboxTimeoutMs)).toISOString(),
        uid,
        gid: uid,
        network: opts.network ?? NETWORK_INTERNET,
        workspace,
        extraReadOnlyBinds: [...(opts.extraReadOnlyBinds ?? [])],
      }
      await writeMeta(paths, meta)
      return this.#view(this.#adopt(meta, { ...opts.envs }))
    } catch (error) {
      await this.#driver.release(paths).catch(() => {})
      await rm(paths.dir, { recursive: true, force: true }).catch(() => {})
      if (uid !== undefined) await releaseUid(uid, paths.dir).catch(() => {})
      if (error instanceof AppError) throw error
      throw new AppError('internal', `could not create a ${this.name} sandbox: ${messageOf(error)}`, {
        cause: error,
      })
    } finally {
      this.#creating.delete(sandboxId)
      if (uid !== undefined) this.#pendingUids.delete(uid)
    }
  }

  async connect(sandboxId: string): Promise<Sandbox> {
    const live = await this.#find(sandboxId)
    if (!live) throw notFound('sandbox', sandboxId)
    return this.#view(live)
  }

  async list(opts: { metadata?: Record<string, string> } = {}): Promise<SandboxInfo[]> {
    const wanted = Object.entries(opts.metadata ?? {})
    const infos: SandboxInfo[] = []
    for (const sandboxId of await this.#folderIds()) {
      const live = await this.#find(sandboxId)
      if (!live) continue
      const { meta } = live
      if (!wanted.every(([key, value]) => meta.metadata[key] === value)) continue
      infos.push({
        sandboxId,
        metadata: { ...meta.metadata },
        startedAt: new Date(meta.startedAt),
        endAt: new Date(meta.endAt),
      })
    }
    return infos.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())
  }

  /**
   * Kills every sandbox under the root whose id is not in `keepIds` (for the pipeline: the sandboxes of
   * executions still running), including half-created folders and overlay mounts left by a crash.
   * Returns the ids removed.
   */
  async cleanupOrphans(keepIds: Iterable<string>): Promise<string[]> {
    const keep = new Set(keepIds)
    const removed: string[] = []
    for (const sandboxId of await this.#folderIds()) {
      if (keep.has(sandboxId)) continue
      const loaded = this.#live.has(sandboxId) ? undefined : await this.#load(sandboxId)
      const live = this.#live.get(sandboxId) ?? (loaded && this.#adopt(loaded.meta, {}))
      if (live) await this.#kill(live)
      else {
        const paths = sandboxPaths(this.root, sandboxId)
        await this.#driver.release(paths)
        await rm(paths.dir, { recursive: true, force: true })
      }
      removed.push(sandboxId)
    }
    return removed
  }

  /**
   * Forgets this process's sandboxes without killing them, as a shutdown does: timers stop and running
   * commands are killed; the folders stay for a later connect(), list() or cleanupOrphans().
   */
  async close(): Promise<void> {
    const live = [...this.#live.values()]
    this.#live.clear()
    for (const sandbox of live) {
      clearTimeout(sandbox.timer)
      for (const running of sandbox.running) running.kill('killed')
    }
    await Promise.allSettled(live.flatMap((sandbox) => [...sandbox.running].map((r) => r.done)))
  }

  // ——— internals ———

  async #folderIds(): Promise<string[]> {
    const names = await readdir(this.root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[]
      throw error
    })
    return names.filter((name) => ID.test(name) && !this.#creating.has(name))
  }

  /** The live record of a sandbox, loading it from disk if needed; expired ones are reaped here. */
  async #find(sandboxId: string): Promise<Live | undefined> {
    if (!ID.test(sandboxId) || this.#creating.has(sandboxId)) return undefined
    let live = this.#live.get(sandboxId)
    if (live?.killing) return undefined
    if (!live) {
      const loaded = await this.#load(sandboxId)
      if (!loaded) return undefined
      live = this.#live.get(sandboxId) ?? this.#adopt(loaded.meta, {})
    }
    if (Date.parse(live.meta.endAt) <= Date.now()) {
      await this.#kill(live).catch((error) =>
        this.#logger.warn({ sandboxId, error: messageOf(error) }, 'could not reap an expired sandbox'),
      )
      return undefined
    }
    return live
  }

  async #load(sandboxId: string): Promise<{ meta: SandboxMeta; paths: SandboxPaths } | undefined> {
    const paths = sandboxPaths(this.root, sandboxId)
    const text = await readFile(paths.meta, 'utf8').catch(() => undefined)
    if (text === undefined) return undefined
    const parsed = SandboxMeta.safeParse(safeJson(text))
    if (!parsed.success || parsed.data.sandboxId !== sandboxId || parsed.data.provider !== this.name)
      return undefined
    return { meta: parsed.data, paths }
  }

  #adopt(meta: SandboxMeta, envs: Record<string, string>): Live {
    const live: Live = { meta, paths: sandboxPaths(this.root, meta.sandboxId), envs, running: new Set() }
    this.#live.set(meta.sandboxId, live)
    this.#schedule(live)
    return live
  }

  #schedule(live: Live) {
    clearTimeout(live.timer)
    const delay = Date.parse(live.meta.endAt) - Date.now()
    const fire = () => {
      if (Date.parse(live.meta.endAt) > Date.now()) return this.#schedule(live)
      this.#kill(live).catch((error) =>
        this.#logger.warn(
          { sandboxId: live.meta.sandboxId, error: messageOf(error) },
          'could not kill an expired sandbox',
        ),
      )
    }
    live.timer = setTimeout(fire, Math.max(0, Math.min(delay, MAX_TIMER_MS))).unref()
  }

  #kill(live: Live): Promise<void> {
    live.killing ??= (async () => {
      clearTimeout(live.timer)
      for (const running of live.running) running.kill('killed')
      await Promise.allSettled([...live.running].map((running) => running.done))
      const { uid } = live.meta
      const perSandbox =
        this.#driver.identity.kind === 'per-sandbox' && uid !== 0 && uid !== process.getuid?.()
      if (perSandbox) await killUidProcesses(uid)
      await this.#driver.release(live.paths)
      await rm(live.paths.dir, { recursive: true, force: true })
      if (perSandbox) await releaseUid(uid, live.paths.dir)
      if (this.#live.get(live.meta.sandboxId) === live) this.#live.delete(live.meta.sandboxId)
    })().catch((error) => {
      live.killing = undefined
      throw new AppError('internal', `could not kill sandbox ${live.meta.sandboxId}: ${messageOf(error)}`, {
        cause: error,
        retryable: true,
      })
    })
    return live.killing
  }

  /**
   * The lowest free uid of the driver's range: not held by a live or half-made sandbox of this
   * server, and reserved host-wide for this sandbox (other servers on the machine draw from the same
   * range, and a sandbox folder left by a crash keeps its lease until it is resumed or reaped). The
   * host-wide lease replaces a scan of /proc, which cost hundreds of milliseconds per sandbox in a
   * burst: a uid's processes die with their sandbox (bwrap --die-with-parent, and kill before release).
   * A candidate is claimed in this process before the first await, so concurrent creates never wait
   * for each other: twenty at once used to queue behind one lock, each for several event-loop turns,
   * which on a busy server (an embedded database on the same thread) added up to seconds.
   */
  async #allocateUid(folder: string): Promise<number> {
    const identity = this.#driver.identity
    if (identity.kind === 'server') return process.getuid?.() ?? 0
    const used = new Set([...this.#live.values()].map((l) => l.meta.uid))
    // Sandboxes on disk that this server has not re-attached (a previous life's) keep their uids,
    // even when their host-wide lease is gone (leases live in /run, which a reboot empties).
    const folders = (await readdir(this.root)).filter((id) => ID.test(id) && !this.#live.has(id))
    for (const loaded of await Promise.all(folders.map((id) => this.#load(id))))
      if (loaded) used.add(loaded.meta.uid)
    for (let uid = identity.base; uid < identity.base + identity.count; uid++) {
      if (used.has(uid) || this.#pendingUids.has(uid)) continue
      this.#pendingUids.add(uid)
      if (await reserveUid(uid, folder).catch(() => false)) return uid
      this.#pendingUids.delete(uid)
    }
    throw new AppError('unavailable', `no free sandbox uid left in ${identity.base}+${identity.count}`, {
      retryable: true,
    })
  }

  #alive(live: Live) {
    if (live.killing || this.#live.get(live.meta.sandboxId) !== live)
      throw notFound('sandbox', live.meta.sandboxId)
  }

  async #start(
    live: Live,
    argv: string[],
    opts: Pick<
      CommandRunOpts,
      'cwd' | 'envs' | 'timeoutMs' | 'maxOutputBytes' | 'onStdout' | 'onStderr' | 'network' | 'hostServices'
    > & {
      stdin?: string | Uint8Array
    },
  ): Promise<RunningProcess> {
    this.#alive(live)
    await this.#driver.ensureAvailable() // a sandbox reconnected after a restart is used before any create()
    for (const name of Object.keys(opts.envs ?? {}))
      if (!ENV_NAME.test(name))
        throw new AppError('bad_request', `invalid environment variable name: ${name}`)
    const hostServices = opts.hostServices ?? []
    if (hostServices.length && !this.#driver.hostServices)
      throw new AppError(
        'unavailable',
        `the ${this.#driver.name} sandbox cannot give a command host services`,
      )
    const env = { ...this.#driver.baseEnv(live.paths), ...live.envs, ...opts.envs }
    const launch = await this.#driver.launch({
      meta: live.meta,
      paths: live.paths,
      argv,
      cwd: opts.cwd,
      env,
      network: opts.network ?? normalizePolicy(live.meta.network),
      hostServices,
    })
    const dispose = () => launch.dispose?.().catch(() => {})
    const running = await startProcess(launch, {
      timeoutMs: opts.timeoutMs ?? this.#commandTimeoutMs,
      maxOutputBytes: opts.maxOutputBytes ?? this.#maxOutputBytes,
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
      ...(opts.onStdout ? { onStdout: opts.onStdout } : {}),
      ...(opts.onStderr ? { onStderr: opts.onStderr } : {}),
    }).catch(async (error) => {
      await dispose()
      throw error
    })
    live.running.add(running)
    running.done
      .finally(() => {
        live.running.delete(running)
        return dispose()
      })
      .catch(() => {})
    if (live.killing) running.kill('killed')
    return running
  }

  #view(live: Live): Sandbox {
    // The files API never needs the network: its commands get none, and no egress proxy.
    const exec: Exec = async (argv, opts) =>
      (await this.#start(live, argv, { ...opts, network: NETWORK_OFF })).done
    const files = this.#driver.files({ meta: live.meta, paths: live.paths, exec })
    const guardedFiles = Object.fromEntries(
      Object.entries(files).map(([key, fn]) => [
        key,
        async (...args: unknown[]) => {
          this.#alive(live)
          return (fn as (...a: unknown[]) => unknown)(...args)
        },
      ]),
    ) as Files
    return {
      sandboxId: live.meta.sandboxId,
      workdir: this.#driver.workdir(live.paths),
      ...(this.#driver.proxyUrl ? { proxyUrl: this.#driver.proxyUrl } : {}),
      ...(this.#driver.hostServices ? { hostServices: true } : {}),
      commands: makeCommands((cmd, opts) => this.#start(live, ['/bin/sh', '-c', cmd], opts)),
      files: guardedFiles,
      kill: async () => {
        if (this.#live.get(live.meta.sandboxId) !== live && !live.killing) {
          // Killed by another handle or process, or reaped: kill() stays idempotent.
          const current = await this.#find(live.meta.sandboxId)
          if (current) await this.#kill(current)
          return
        }
        await this.#kill(live)
      },
      setTimeout: async (timeoutMs: number) => {
        this.#alive(live)
        if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
          throw new AppError('bad_request', 'timeoutMs must be a positive whole number of milliseconds')
        live.meta = { ...live.meta, endAt: new Date(Date.now() + timeoutMs).toISOString() }
        await writeMeta(live.paths, live.meta)
        this.#schedule(live)
      },
      isRunning: async () => {
        if (live.killing || this.#live.get(live.meta.sandboxId) !== live) return false
        if (Date.parse(live.meta.endAt) <= Date.now()) return false
        return stat(live.paths.meta).then(
          () => true,
          () => false,
        )
      },
    }
  }
}
