import { lstat, readlink } from 'node:fs/promises'

/** How the host's system folders appear in the sandbox: read-only binds, or the same symlinks. */
export type SystemEntry = { path: string; symlinkTo?: string }

/** Top-level system folders, bound read-only (or recreated as symlinks on merged-/usr systems). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']

/**
 * The only parts of /etc a sandbox sees: name resolution, TLS roots, the dynamic linker's cache, time
 * zone, alternatives. Never shadow/gshadow, sudoers, ssh keys, /etc/ssl/private, or tool configs that
 * may carry tokens (npmrc, pip.conf, gitconfig: a host credential helper must never serve the agent).
 * passwd and group are synthesized per sandbox.
 */
export const ETC_BINDS = [
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/host.conf',
  '/etc/nsswitch.conf',
  '/etc/gai.conf',
  '/etc/protocols',
  '/etc/services',
  '/etc/networks',
  '/etc/ssl/certs',
  '/etc/ssl/openssl.cnf',
  '/etc/ca-certificates',
  '/etc/ca-certificates.conf',
  '/etc/pki/tls/certs',
  '/etc/pki/ca-trust',
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/timezone',
  '/etc/os-release',
  '/etc/mime.types',
]

export async function detectSystemLayout(): Promise<SystemEntry[]> {
  const entries: SystemEntry[] = []
  for (const path of SYSTEM_DIRS) {
    const info = await lstat(path).catch(() => undefined)
    if (!info) continue
    if (info.isSymbolicLink()) entries.push({ path, symlinkTo: await readlink(path) })
    else if (info.isDirectory()) entries.push({ path })
  }
  return entries
}

export type BwrapSpec = {
  /**
   * The server runs as root: bwrap (as root) builds the mount namespace without a user namespace and
   * the command drops to the sandbox uid with setpriv inside it. Otherwise bwrap runs unprivileged in
   * its own user namespace, as the server's uid.
   */
  asRoot: boolean
  /**
   * Host path of the command's egress proxy socket, bound at EGRESS_SOCKET inside; undefined when
   * the command has no network. Either way the sandbox has its own network namespace with only a
   * loopback: the host's loopback and networks are never shared.
   */
  egressSocket?: string
  /**
   * Host paths of the command's host-service sockets (see CommandRunOpts.hostServices), each bound at
   * `serviceSocket(port)` inside.
   */
  serviceSockets?: { port: number; hostPath: string }[]
  system: SystemEntry[]
  /** Host paths of the sandbox's writable folders and its synthesized passwd/group. */
  workspace: string
  tmp: string
  home: string
  passwd: string
  group: string
  /** Host paths bound read-only at the same path inside (e.g. a git mirror that alternates point to). */
  readOnlyBinds: string[]
  /** Working directory inside the sandbox. */
  cwd: string
  /** Size of the private /dev/shm tmpfs. */
  shmBytes: number
  /** The fd bwrap reads its seccomp filter from (see seccomp.ts); none without a filter. */
  seccompFd?: number
}

export const WORKDIR = '/workspace'
/** Where a command with network finds its egress proxy's socket. */
export const EGRESS_SOCKET = '/run/squad/egress.sock'
export const HOME = '/home/sandbox'
/** Where a command finds the socket of the host service it reaches at 127.0.0.1:`port`. */
export const serviceSocket = (port: number) => `/run/squad/service-${port}.sock`

/** bwrap's options (they go through `--args 3`, so the host paths never show in the sandbox's ps). */
export function bwrapOptions(spec: BwrapSpec): string[] {
  const namespaces = spec.asRoot
    ? // No user namespace: the sandbox uid is a real, unprivileged host uid (see setprivCommand).
      ['--unshare-ipc', '--unshare-pid', '--unshare-uts', '--unshare-net', '--unshare-cgroup-try']
    : ['--unshare-all', '--unshare-user', '--disable-userns']
  const args = [...namespaces, '--die-with-parent', '--new-session', '--hostname', 'sandbox']
  if (spec.seccompFd !== undefined) args.push('--seccomp', String(spec.seccompFd))
  for (const entry of spec.system)
    if (entry.symlinkTo) args.push('--symlink', entry.symlinkTo, entry.path)
    else args.push('--ro-bind', entry.path, entry.path)
  // bwrap would create missing parents (/etc, /home, a mirror's folders) as root-only 0700 folders the
  // sandbox uid could not enter: create them first, world-readable.
  for (const dir of ancestors([...ETC_BINDS, HOME])) args.push('--perms', '0755', '--dir', dir)
  for (const path of ETC_BINDS) args.push('--ro-bind-try', path, path)
  args.push(
    '--ro-bind',
    spec.passwd,
    '/etc/passwd',
    '--ro-bind',
    spec.group,
    '/etc/group',
    '--symlink',
    '/proc/self/mounts',
    '/etc/mtab',
    '--dev',
    '/dev',
    '--perms',
    '1777',
    '--size',
    String(spec.shmBytes),
    '--tmpfs',
    '/dev/shm',
    '--proc',
    '/proc',
    '--bind',
    spec.workspace,
    WORKDIR,
    '--bind',
    spec.tmp,
    '/tmp',
    '--bind',
    spec.home,
    HOME,
    '--dir',
    '/var',
    '--symlink',
    '../tmp',
    '/var/tmp',
  )
  // After the writable binds, so that a path under /tmp lands in the sandbox's own /tmp.
  for (const dir of ancestors(spec.readOnlyBinds)) args.push('--perms', '0755', '--dir', dir)
  for (const path of spec.readOnlyBinds) args.push('--ro-bind', path, path)
  const services = spec.serviceSockets ?? []
  if (spec.egressSocket || services.length)
    args.push('--perms', '0755', '--dir', '/run', '--perms', '0755', '--dir', '/run/squad')
  if (spec.egressSocket) args.push('--bind', spec.egressSocket, EGRESS_SOCKET)
  for (const service of services) args.push('--bind', service.hostPath, serviceSocket(service.port))
  // Everything not bound above lives on bwrap's root tmpfs: made read-only, nothing else is writable.
  args.push('--remount-ro', '/', '--chdir', spec.cwd)
  return args
}

/**
 * What runs inside bwrap when the server is root: drop to the sandbox uid (and its supplementary
 * `groups`, none but the shared workspace group) for good, with no capability left, then exec argv.
 */
export function setprivCommand(
  setpriv: string,
  ids: { uid: number; gid: number; groups: number[] },
  argv: string[],
): string[] {
  return [
    setpriv,
    `--reuid=${ids.uid}`,
    `--regid=${ids.gid}`,
    ids.groups.length ? `--groups=${ids.groups.join(',')}` : '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
    '--',
    ...argv,
  ]
}

/** Per-sandbox resource limits, applied by prlimit before bwrap starts. */
export type Limits = {
  /** Processes of the sandbox uid (RLIMIT_NPROC): what stops a fork bomb. */
  nproc: number
  /** Largest file a command may write (RLIMIT_FSIZE); 0 means unlimited. */
  fileSizeBytes: number
}

export function prlimitArgs(limits: Limits): string[] {
  const args = [`--nproc=${limits.nproc}:${limits.nproc}`, '--core=0']
  if (limits.fileSizeBytes > 0) args.push(`--fsize=${limits.fileSizeBytes}:${limits.fileSizeBytes}`)
  return args
}

/** Every proper ancestor of `paths` except `/`, shallowest first, once each. */
export function ancestors(paths: string[]): string[] {
  const found = new Set<string>()
  for (const path of paths) {
    const parts = path.split('/').filter(Boolean)
    for (let i = 1; i < parts.length; i++) found.add(`/${parts.slice(0, i).join('/')}`)
  }
  return [...found].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1))
}
