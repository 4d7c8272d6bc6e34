import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { access, chown, constants, mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join, posix } from 'node:path'
import { promisify } from 'node:util'
import { AppError } from '../../domain/errors.ts'
import type { BlockedConnection } from '../blocked-connections.ts'
import {
  bwrapOptions,
  detectSystemLayout,
  EGRESS_SOCKET,
  HOME,
  type Limits,
  prlimitArgs,
  type SystemEntry,
  serviceSocket,
  setprivCommand,
  WORKDIR,
} from './bwrap-args.ts'
import { DEFAULT_DISK_QUOTA_BYTES, withDiskQuota } from './disk-quota.ts'
import type { EgressProxy, Resolve } from './egress-proxy.ts'
import { startEgressProxy } from './egress-proxy.ts'
import { messageOf } from './folder-sandbox-support.ts'
import {
  type FolderSandboxesOpts,
  type SandboxDriver,
  type SandboxPaths,
  stderrLogger,
} from './folder-sandbox-types.ts'
import { FolderSandboxes } from './folder-sandboxes.ts'
import { listenForService, type ServiceListener } from './host-service-socket.ts'
import { sandboxFiles } from './sandbox-files.ts'
import { isWithin } from './sandbox-paths.ts'
import { SECCOMP_ARCHES, userNamespaceFilter } from './seccomp.ts'
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
  /**
   * Disk quota of each sandbox's /workspace, /tmp and home together, in bytes (a create's
   * `diskQuotaBytes` overrides it; 0: none). Default 10 GiB. Enforced when the server is root.
   */
  diskQuotaBytes?: number
  /** Told of every connection a sandbox's network policy refused (once per destination and command). */
  onBlocked?: (blocked: BlockedConnection) => void
  /** How the egress proxy resolves host names (tests map names to local addresses). */
  resolve?: Resolve
}

/** Where the relay listens inside a command's network namespace (its own: no port is ever shared). */
const PROXY_PORT = 3128
export const PROXY_URL = `http://127.0.0.1:${PROXY_PORT}`

/**
 * Runs inside the sandbox before the command, in the command's own network namespace: a relay per
 * loopback port to its Unix socket (127.0.0.1:3128, where HTTP(S)_PROXY point, to the egress proxy;
 * each host service's port to its socket), then the command once every relay listens. The relays
 * die with the command (bwrap's pid namespace ends with it).
 */
function relayScript(relays: { port: number; socket: string }[]): string {
  // /proc/net/tcp lists a listening 127.0.0.1:PORT as `0100007F:<PORT in hex>` in state 0A.
  const listening = relays.map(({ port }) => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`)
  return [
    ...relays.map(
      ({ port, socket }) =>
        `socat -b 262144 TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork,nodelay UNIX-CONNECT:${socket} </dev/null >/dev/null 2>&1 &`,
    ),
    // Wait (bounded) until every relay listens, with shell builtins only: a grep per look would
    // cost a fork each time.
    `ready() { n=0; while read -r _ a _ s _; do [ "$s" = 0A ] && case "$a" in ${listening.join('|')}) n=$((n+1)) ;; esac; done </proc/net/tcp; [ $n -ge ${relays.length} ]; }`,
    'i=0; until ready || [ $i -ge 20000 ]; do i=$((i+1)); done',
    'exec "$@"',
  ].join('\n')
}

/** What a command with network sees: the usual proxy variables, and none for its own loopback. */
const PROXY_ENV = {
  HTTP_PROXY: PROXY_URL,
  HTTPS_PROXY: PROXY_URL,
  http_proxy: PROXY_URL,
  https_proxy: PROXY_URL,
  NO_PROXY: 'localhost,127.0.0.1,::1',
  no_proxy: 'localhost,127.0.0.1,::1',
  // Node's own fetch follows the variables only when asked to (Node 24).
  NODE_USE_ENV_PROXY: '1',
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
    const driver = withDiskQuota(bwrapDriver(opts), {
      bytes: opts.diskQuotaBytes ?? DEFAULT_DISK_QUOTA_BYTES,
      asRoot: opts.asRoot ?? process.getuid?.() === 0,
      logger: opts.logger ?? stderrLogger,
    })
    super({ ...opts, driver })
  }
}

type Tools = { bwrap: string; prlimit: string; setpriv: string; socat?: string; system: SystemEntry[] }

function bwrapDriver(opts: LocalSandboxProviderOpts): SandboxDriver {
  const asRoot = opts.asRoot ?? process.getuid?.() === 0
  // Forbids new user namespaces inside the sandbox (see seccomp.ts); fd 4 of every bwrap.
  const seccomp = userNamespaceFilter()
  const uidBase = opts.uidBase ?? 200_000
  const sharedGid = opts.sharedGid ?? uidBase - 1
  const limits: Limits = { nproc: 512, fileSizeBytes: 8 * 1024 ** 3, ...opts.limits }
  const sandboxPath = opts.path ?? DEFAULT_PATH
  let tools: Tools | undefined
  let probing: Promise<Tools> | undefined
  // Egress sockets live in one private folder per server process: a short path (a Unix socket's
  // path is limited to 107 bytes, a data folder's may be longer), made with mkdtemp so no other
  // user can have prepared it.
  let egressDir: Promise<string> | undefined
  const socketPath = async (sandboxId: string) => {
    egressDir ??= mkdtemp(join(tmpdir(), 'squad-egress-'))
    return join(await egressDir, `${sandboxId}-${randomBytes(4).toString('hex')}.sock`)
  }

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
      if (!seccomp)
        (opts.logger ?? stderrLogger).warn(
          { arch: process.arch, supported: SECCOMP_ARCHES },
          'no seccomp filter for this architecture: sandbox commands can create user namespaces',
        )
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

    proxyUrl: PROXY_URL,

    hostServices: true,

    async launch({ meta, paths, argv, cwd, env, network, hostServices }) {
      const { bwrap, prlimit, setpriv, socat, system } = need()
      let egress: EgressProxy | undefined
      let egressSocket: string | undefined
      if ((network.mode !== 'off' || hostServices.length) && !socat)
        throw new AppError(
          'unavailable',
          network.mode !== 'off'
            ? 'a sandbox command with network needs socat for its egress relay: install it ' +
                "(Debian/Ubuntu: `apt-get install socat`), or set the squad's network to off"
            : 'a sandbox command that reaches the model proxy needs socat for its relay: install it ' +
                '(Debian/Ubuntu: `apt-get install socat`)',
        )
      const services: ServiceListener[] = []
      const disposeAll = async () => {
        await egress?.close()
        await Promise.all(services.map((service) => service.close()))
      }
      try {
        for (const service of hostServices)
          services.push(await listenForService(await socketPath(meta.sandboxId), service))
      } catch (error) {
        await disposeAll()
        throw error
      }
      if (network.mode !== 'off') {
        egressSocket = await socketPath(meta.sandboxId)
        egress = await startEgressProxy({
          socketPath: egressSocket,
          policy: network,
          ...(opts.resolve ? { resolve: opts.resolve } : {}),
          onBlocked: (blocked) =>
            opts.onBlocked?.({ sandboxId: meta.sandboxId, metadata: meta.metadata, ...blocked }),
        }).catch(async (error) => {
          await disposeAll()
          throw error
        })
      }
      const options = bwrapOptions({
        asRoot,
        ...(egressSocket ? { egressSocket } : {}),
        serviceSockets: services.map(({ port, path }) => ({ port, hostPath: path })),
        system,
        workspace: paths.workspace,
        tmp: paths.tmp,
        home: paths.home,
        passwd: join(paths.etc, 'passwd'),
        group: join(paths.etc, 'group'),
        readOnlyBinds: [...(opts.readOnlyBinds ?? []), ...meta.extraReadOnlyBinds],
        cwd: cwd ? posix.resolve(WORKDIR, cwd) : WORKDIR,
        shmBytes: 256 * 1024 * 1024,
        ...(seccomp ? { seccompFd: 4 } : {}),
      })
      const ids = { uid: meta.uid, gid: meta.gid, groups: [sharedGid] }
      const relays = [
        ...(egress ? [{ port: PROXY_PORT, socket: EGRESS_SOCKET }] : []),
        ...services.map(({ port }) => ({ port, socket: serviceSocket(port) })),
      ]
      const inner = relays.length ? ['/bin/sh', '-c', relayScript(relays), 'relay', ...argv] : argv
      const command = asRoot ? setprivCommand(setpriv, ids, inner) : inner
      return {
        file: prlimit,
        args: [...prlimitArgs(limits), '--', bwrap, '--args', '3', '--', ...command],
        env: egress ? { ...PROXY_ENV, ...env } : env,
        cwd: paths.dir,
        fds: [Buffer.from(options.map((option) => `${option}\0`).join('')), ...(seccomp ? [seccomp] : [])],
        ...(egress || services.length ? { dispose: disposeAll } : {}),
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
  const socat = await which('socat')
  const probe = bwrapOptions({
    asRoot,
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
  return { bwrap, prlimit, setpriv: setpriv ?? '', ...(socat ? { socat } : {}), system }
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
