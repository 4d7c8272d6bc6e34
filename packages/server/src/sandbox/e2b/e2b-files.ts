import type { Sandbox as E2bSandbox } from 'e2b'
import { CommandExitError as E2bExitError } from 'e2b'
import { AppError } from '../../domain/errors.ts'
import { confinePath } from '../folder/sandbox-paths.ts'
import { parseListing } from '../local/sandbox-files.ts'
import type { Files } from '../sandbox-provider.ts'
import { shellQuote } from './e2b-commands.ts'

const FILE_OP_TIMEOUT_MS = 60_000

export type FilesHost = {
  sdk: E2bSandbox
  workdir: string
  fail(action: string, error: unknown): Promise<never>
  assertAlive(): void
}

/**
 * The port's files on E2B: the same confinement as the local sandbox (the workspace and /tmp; a path
 * whose real location, symlinks resolved, lies elsewhere is `forbidden`), decided by a small script
 * in the sandbox, then the bytes move through E2B's files API on the resolved path. Listing,
 * existence and removal need no bytes and are answered by the script alone. What the script sees
 * is the sandbox's own microVM, so a race on a symlink can only ever reach the sandbox itself.
 */
export function e2bFiles(host: FilesHost): Files {
  const roots = [host.workdir, '/tmp']
  const script = helperScript(roots)
  const call = async (op: string, input: string) => {
    host.assertAlive()
    const path = confinePath(input, host.workdir, roots)
    try {
      const result = await host.sdk.commands.run(
        `/bin/sh -c ${shellQuote(script)} files ${op} ${shellQuote(path)}`,
        {
          timeoutMs: FILE_OP_TIMEOUT_MS,
        },
      )
      return { path, code: 0, stdout: result.stdout, stderr: result.stderr }
    } catch (error) {
      if (error instanceof E2bExitError)
        return { path, code: error.exitCode, stdout: error.stdout, stderr: error.stderr }
      return host.fail(`files.${op} ${input}`, error)
    }
  }
  const check = (op: string, input: string, out: { code: number; stderr: string }) => {
    const { code } = out
    if (code === 0) return
    if (code === 3) throw new AppError('not_found', `${input} does not exist in the sandbox`)
    if (code === 4)
      throw new AppError('forbidden', `${input} resolves outside the sandbox (allowed: ${roots.join(', ')})`)
    if (code === 5) throw new AppError('bad_request', `${input} is a folder`)
    if (code === 6) throw new AppError('bad_request', `cannot create the parent folders of ${input}`)
    if (code === 7) throw new AppError('bad_request', `${input} is not a folder`)
    throw new AppError('internal', `files.${op} ${input} failed (exit ${code}): ${out.stderr.trim()}`)
  }
  const readBytes = async (input: string) => {
    const where = await call('where-read', input)
    check('read', input, where)
    try {
      return await host.sdk.files.read(where.stdout, { format: 'bytes' })
    } catch (error) {
      return host.fail(`files.read ${input}`, error)
    }
  }
  return {
    readBytes,
    read: async (input) => Buffer.from(await readBytes(input)).toString('utf8'),
    write: async (input, data) => {
      const where = await call('where-write', input)
      check('write', input, where)
      const body = typeof data === 'string' ? data : (data.slice().buffer as ArrayBuffer)
      try {
        await host.sdk.files.write(where.stdout, body)
      } catch (error) {
        await host.fail(`files.write ${input}`, error)
      }
    },
    list: async (input) => {
      const out = await call('list', input)
      check('list', input, out)
      return parseListing(out.stdout, out.path)
    },
    exists: async (input) => {
      const out = await call('exists', input)
      if (out.code === 3) return false
      check('exists', input, out)
      return true
    },
    remove: async (input) => {
      check('remove', input, await call('remove', input))
    },
  }
}

/**
 * `sh -c SCRIPT files OP PATH`, the path an argument, never script text. Exit codes as the local
 * sandbox's helper: 0 ok, 3 missing, 4 outside the allowed roots, 5 a folder, 6 cannot make
 * parents, 7 not a folder. `where-read` and `where-write` print the resolved path.
 */
function helperScript(roots: readonly string[]): string {
  const inside = roots.flatMap((root) => [root, `${root}/*`]).join('|')
  const exact = roots.join('|')
  return `set -u
op=$1 p=$2
inside() { case $1 in ${inside}) return 0 ;; esac; return 1; }
case $op in
where-read)
  r=$(realpath -e -- "$p" 2>/dev/null) || exit 3
  inside "$r" || exit 4
  [ -d "$r" ] && exit 5
  printf %s "$r"; exit 0 ;;
where-write)
  r=$(realpath -m -- "$p") || exit 6
  inside "$r" || exit 4
  [ -d "$r" ] && exit 5
  mkdir -p -- "\${r%/*}" 2>/dev/null || exit 6
  [ -L "$r" ] && exit 4
  printf %s "$r"; exit 0 ;;
list)
  r=$(realpath -e -- "$p" 2>/dev/null) || exit 3
  inside "$r" || exit 4
  [ -d "$r" ] || exit 7
  exec find "$r" -mindepth 1 -maxdepth 1 -printf '%y\\t%s\\t%f\\0' ;;
exists)
  r=$(realpath -m -- "$p" 2>/dev/null) || exit 3
  inside "$r" || exit 4
  [ -e "$r" ] || exit 3
  exit 0 ;;
remove)
  d=$(realpath -m -- "$(dirname -- "$p")") || exit 6
  t=\${d%/}/$(basename -- "$p")
  inside "$t" || exit 4
  case $t in ${exact}) exit 4 ;; esac
  [ -e "$t" ] || [ -L "$t" ] || exit 0
  exec rm -rf -- "$t" ;;
esac
exit 2
`
}
