import { posix } from 'node:path'
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect'
import { CommandExitError } from '../../../src/sandbox/sandbox-provider.ts'
import type { SandboxOf } from './process-service.ts'
import { shellQuote } from './process-table.ts'

// envd's filesystem.Filesystem service (spec/envd/filesystem/filesystem.proto): stat, list, make a
// folder, move, remove. Each runs as a small command *inside* the sandbox, as its user, so the kernel
// decides what it may see, exactly as envd inside the VM would. Watching is not served (Unimplemented).

export const E2B_HOME = '/home/user'

/** FileType in filesystem.proto. */
const FILE = 1
const DIRECTORY = 2
const SYMLINK = 3

// find's %Y: the type with symlinks followed (envd reports a symlink's target type and its target).
const FIELDS = `%Y\\t%y\\t%s\\t%m\\t%M\\t%u\\t%g\\t%T@\\t%l\\t%p\\0`

/** Exit codes of the helper commands below. */
const MISSING = 3
const NOT_A_DIR = 4
const EXISTS = 5

export function filesystemServiceImpl(sandboxOf: SandboxOf) {
  const run = async (context: HandlerContext, script: string) => {
    const sandbox = sandboxOf(context)
    try {
      return (await sandbox.local.commands.run(script, { timeoutMs: 60_000 })).stdout
    } catch (error) {
      if (!(error instanceof CommandExitError)) throw error
      const { exitCode, stderr } = error.result
      if (exitCode === MISSING) throw new ConnectError('path not found', Code.NotFound)
      if (exitCode === NOT_A_DIR) throw new ConnectError('path is not a directory', Code.InvalidArgument)
      if (exitCode === EXISTS) throw new ConnectError('path already exists', Code.AlreadyExists)
      throw new ConnectError(stderr.trim() || `failed with exit ${exitCode}`, Code.Internal)
    }
  }
  const stat = async (context: HandlerContext, path: string) => {
    const out = await run(
      context,
      `p=${shellQuote(path)}; [ -e "$p" ] || [ -L "$p" ] || exit ${MISSING}
exec find "$p" -maxdepth 0 -printf '${FIELDS}'`,
    )
    const [entry] = parseEntries(out)
    if (!entry) throw new ConnectError(`${path}: no entry`, Code.Internal)
    return entry
  }
  return {
    async stat(req: { path: string }, context: HandlerContext) {
      return { entry: await stat(context, resolve(req.path)) }
    },
    async listDir(req: { path: string; depth: number }, context: HandlerContext) {
      const path = resolve(req.path)
      const depth = Math.max(1, req.depth || 1)
      const out = await run(
        context,
        `p=${shellQuote(path)}; [ -e "$p" ] || exit ${MISSING}; [ -d "$p" ] || exit ${NOT_A_DIR}
exec find "$p" -mindepth 1 -maxdepth ${depth} -printf '${FIELDS}'`,
      )
      return { entries: parseEntries(out) }
    },
    async makeDir(req: { path: string }, context: HandlerContext) {
      const path = resolve(req.path)
      await run(context, `p=${shellQuote(path)}; [ -e "$p" ] && exit ${EXISTS}; mkdir -p -- "$p"`)
      return { entry: await stat(context, path) }
    },
    async move(req: { source: string; destination: string }, context: HandlerContext) {
      const [from, to] = [resolve(req.source), resolve(req.destination)]
      await run(
        context,
        `[ -e ${shellQuote(from)} ] || exit ${MISSING}; mkdir -p -- ${shellQuote(posix.dirname(to))} && mv -T -- ${shellQuote(from)} ${shellQuote(to)}`,
      )
      return { entry: await stat(context, to) }
    },
    async remove(req: { path: string }, context: HandlerContext) {
      const path = resolve(req.path)
      await run(
        context,
        `p=${shellQuote(path)}; [ -e "$p" ] || [ -L "$p" ] || exit ${MISSING}; rm -rf -- "$p"`,
      )
      return {}
    },
  }
}

/** A path as envd takes it: absolute, or relative to the user's home. */
export const resolve = (path: string) => posix.resolve(E2B_HOME, path || '.')

function parseEntries(out: string) {
  return out
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [
        followed = '',
        own = '',
        size = '0',
        mode = '0',
        permissions = '',
        owner = '',
        group = '',
        mtime = '0',
        target = '',
        ...rest
      ] = line.split('\t')
      const path = rest.join('\t')
      const type = followed === 'd' ? DIRECTORY : followed === 'f' ? FILE : own === 'l' ? SYMLINK : FILE
      const seconds = Number(mtime)
      return {
        name: posix.basename(path),
        type,
        path,
        size: BigInt(size),
        mode: Number.parseInt(mode, 8),
        permissions,
        owner,
        group,
        modifiedTime: { seconds: BigInt(Math.floor(seconds)), nanos: Math.round((seconds % 1) * 1e9) },
        ...(own === 'l' ? { symlinkTarget: target } : {}),
      }
    })
}
