import { execFile } from 'node:child_process'
import { access, chown, constants, mkdir, stat, writeFile } from 'node:fs/promises'
import { delimiter, join, posix } from 'node:path'
import { promisify } from 'node:util'
import { AppError } from '../../domain/errors.ts'
import {
  bwrapOptions,
  detectSystemLayout,
  HOME,
  type Limits,
  prlimitArgs,
  type SystemEntry,
  setprivCommand,
  WORKDIR,
} from './bwrap-args.ts'
import { messageOf } from './folder-sandbox-support.ts'
import type { FolderSandboxesOpts, SandboxDriver, SandboxPaths } from './folder-sandbox-types.ts'
import { FolderSandboxes } from './folder-sandboxes.ts'
import { sandboxFiles } from './sandbox-files.ts'
import { isWithin } from './sandbox-paths.ts'
import { prepareWorkspace, releaseWorkspace } from './workspace.ts'

export type LocalSandboxProviderOpts = Omit<FolderSandboxesOpts, 'driver'> & {
  /** First uid of the per-sandbox range when the server is root (uid = base + n). Default 200000. */
  uidBase?: number
  /** Size of that range. Default 65536. */
  uidCount?: number
  /**
   * The group every sandbox process belongs to, that may write the shared overlay templates (see
   * shareTemplate in workspace.ts). Default: uidBase - 1.
   */
  sharedGid?: number
  limits?: Partial<Limits>
  /** Host folders every sandbox gets read-only at the same path (e.g. a toolchain under /opt). */
  readOnlyBinds?: string[]
  /** Use an overlay mount for workspaces when root (default true); false always copies. */
  overlay?: boolean
  /** PATH inside the sandbox. */
  path?: string
  /** Explicit tool paths; by default they are looked up on PATH. */
  bwrapPath?: string
  /** Pretend not to be root (tests of the unprivileged path run as another user instead). */
  asRoot?: boolean
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
const INSTALL_HINT =
  'install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`, Fedora: `dnf install bubblewrap`), ' +
  'or set SQUAD_SANDBOX=process to run agent commands WITHOUT any isolation'

/**
 * The default sandbox: each sandbox is a folder under `root`, and each command is one bubblewrap
 * invocation with fresh pid/ipc/uts/cgroup (and, unless network is on, net) namespaces, the system
 * read-only, a minimal /etc, the workspace at /workspace and private /tmp and /home/sandbox.
 * As root, commands run as a per-sandbox uid (200000 + n) under RLIMIT_NPROC; otherwise as the
 * server's uid inside bwrap's user namespace. See docs in bwrap-args.ts and workspace.ts.
 */
export class LocalSandboxProvider extends FolderSandboxes {
  constructor(opts: LocalSandboxProviderOpts) {
    super({ ...opts, driver: bwrapDriver(opts) })
  }
}

type Tools = { bwrap: string; prlimit: string; setpriv: string; system: SystemEntry[] }

function bwrapDriver(opts: LocalSandboxProviderOpts): SandboxDriver {
  const asRoot = opts.asRoot ?? process.getuid?.() === 0
  const uidBase = opts.uidBase ?? 200_000
  const sharedGid = opts.sharedGid ?? uidBase - 1
  const limits: Limits = { nproc: 512, fileSizeBytes: 8 * 1024 ** 3, ...opts.limits }
  const sandboxPath = opts.path ?? DEFAULT_PATH
  let tools: Tools | undefined
  let probing: Promise<Tools> | undefined

  const need = () => {
    if (!tools) throw new AppError('unavailable', 'the local sandbox provider was not checked yet')
    return tools
  }

  const driver: SandboxDriver = {
    name: 'local',
    identity: asRoot
      ? { kind: 'per-sandbox', base: uidBase, count: opts.uidCount ?? 65_536 }
      : { kind: 'server' },

    async ensureAvailable() {
      if (tools) return
      probing ??= findTools(opts, asRoot, limits).finally(() => {
        probing = undefined
      })
      tools = await probing
    },

    async prepare({ paths, opts: createOpts, uid, gid }) {
      for (const bind of [...(opts.readOnlyBinds ?? []), ...(createOpts.extraReadOnlyBinds ?? [])]) {
        // The host's /proc, /sys or /dev would undo the pid namespace and the minimal /dev.
        if (['/proc', '/sys', '/dev'].some((root) => isWithin(bind, root)))
          throw new AppError('bad_request', `read-only bind ${bind} would expose the host`)
        if (!(await stat(bind).catch(() => undefined)))
          throw new AppError('bad_request', `read-only bind ${bind} does not exist on the host`)
      }
      const owner = asRoot ? { uid, gid } : undefined
      await mkdir(paths.tmp, { mode: 0o700 })
      await mkdir(paths.home, { mode: 0o700 })
      await mkdir(paths.etc, { mode: 0o755 })
      if (owner) {
        await chown(paths.tmp, uid, gid)
        await chown(paths.home, uid, gid)
      }
      await writeFile(
        join(paths.etc, 'passwd'),
        `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${uid}:${gid}:sandbox:${HOME}:/bin/sh\n` +
          'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
        { mode: 0o644 },
      )
      const groups = `root:x:0:\nsandbox:x:${gid}:\n${asRoot ? `workspace:x:${sharedGid}:sandbox\n` : ''}`
      await writeFile(join(paths.etc, 'group'), `${groups}nogroup:x:65534:\n`, { mode: 0o644 })
      return prepareWorkspace({
        ...(createOpts.workspaceTemplate ? { template: createOpts.workspaceTemplate } : {}),
        workspace: paths.workspace,
        layers: paths.layers,
        ...(owner ? { owner, sharedGid } : {}),
        overlay: asRoot && opts.overlay !== false,
      })
    },

    workdir: () => WORKDIR,

    baseEnv: () => ({ PATH: sandboxPath, HOME, LANG: 'C.UTF-8', TERM: 'dumb' }),

    launch({ meta, paths, argv, cwd, env, network }) {
      const { bwrap, prlimit, setpriv, system } = need()
      const options = bwrapOptions({
        asRoot,
        network,
        system,
        workspace: paths.workspace,
        tmp: paths.tmp,
        home: paths.home,
        passwd: join(paths.etc, 'passwd'),
        group: join(paths.etc, 'group'),
        readOnlyBinds: [...(opts.readOnlyBinds ?? []), ...meta.extraReadOnlyBinds],
        cwd: cwd ? posix.resolve(WORKDIR, cwd) : WORKDIR,
        shmBytes: 256 * 1024 * 1024,
      })
      const ids = { uid: meta.uid, gid: meta.gid, groups: [sharedGid] }
      const command = asRoot ? setprivCommand(setpriv, ids, argv) : argv
      return {
        file: prlimit,
        args: [...prlimitArgs(limits), '--', bwrap, '--args', '3', '--', ...command],
        env,
        cwd: paths.dir,
        fd3: Buffer.from(options.map((option) => `${option}\0`).join('')),
      }
    },

    files: ({ exec }) => sandboxFiles(exec, WORKDIR, [WORKDIR, '/tmp']),

    release: (paths: SandboxPaths) => releaseWorkspace(paths.dir),
  }
  return driver
}

/** Finds bwrap, prlimit and (as root) setpriv, then proves bwrap can build a sandbox on this host. */
async function findTools(opts: LocalSandboxProviderOpts, asRoot: boolean, limits: Limits): Promise<Tools> {
  const bwrap = opts.bwrapPath ?? (await which('bwrap'))
  if (!bwrap || !(await isExecutable(bwrap)))
    throw new AppError('unavailable', `bubblewrap (bwrap) was not found: ${INSTALL_HINT}`)
  const prlimit = await which('prlimit')
  const setpriv = await which('setpriv')
  if (!prlimit || (asRoot && !setpriv))
    throw new AppError(
      'unavailable',
      'the local sandbox needs prlimit and setpriv from util-linux (`apt-get install util-linux`)',
    )
  const system = await detectSystemLayout()
  const probe = bwrapOptions({
    asRoot,
    network: false,
    system,
    workspace: '/tmp',
    tmp: '/tmp',
    home: '/tmp',
    passwd: '/etc/passwd',
    group: '/etc/group',
    readOnlyBinds: [],
    cwd: '/',
    shmBytes: 1024 * 1024,
  })
  const nobody = { uid: 65534, gid: 65534, groups: [] }
  const command = asRoot ? setprivCommand(setpriv as string, nobody, ['/bin/true']) : ['/bin/true']
  try {
    await promisify(execFile)(prlimit, [...prlimitArgs(limits), '--', bwrap, ...probe, '--', ...command], {
      env: { PATH: DEFAULT_PATH },
      timeout: 10_000,
    })
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? messageOf(error)).trim()
    throw new AppError(
      'unavailable',
      `bubblewrap cannot create a sandbox on this host (${stderr}). Unprivileged user namespaces may be ` +
        `disabled (e.g. by AppArmor on Ubuntu 24.04): run the server as root, allow them, or ${INSTALL_HINT.slice(INSTALL_HINT.indexOf('set SQUAD_SANDBOX'))}`,
      { cause: error },
    )
  }
  return { bwrap, prlimit, setpriv: setpriv ?? '', system }
}

async function which(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...DEFAULT_PATH.split(':')]
  for (const dir of dirs) {
    if (!dir) continue
    const candidate = join(dir, name)
    if (await isExecutable(candidate)) return candidate
  }
  return undefined
}

const isExecutable = (path: string) =>
  access(path, constants.X_OK).then(
    () => true,
    () => false,
  )
