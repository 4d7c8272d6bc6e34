import { posix } from 'node:path'
import { AppError } from '../../domain/errors.ts'
import type { Exec } from '../folder/folder-sandbox-types.ts'
import { confinePath } from '../folder/sandbox-paths.ts'
import type { EntryInfo, Files } from '../sandbox-provider.ts'

const MB = 1024 * 1024
const READ_LIMIT = 64 * MB
const FILE_OP_TIMEOUT_MS = 60_000

/**
 * The files API of an isolated sandbox, carried out by a small shell script *inside* the sandbox as its
 * unprivileged uid. The kernel then enforces what the server never has to get right: a symlink or a
 * rename race can only ever reach the sandbox's own view (never the host's /etc or the data folder),
 * and every file written belongs to the sandbox uid. On top of that, the script refuses any path whose
 * real location (symlinks resolved) is outside the workspace or /tmp, and the path is first confined
 * lexically (`..`, foreign absolute paths) before anything runs.
 */
export function sandboxFiles(exec: Exec, workdir: string, roots: readonly string[]): Files {
  const script = helperScript(roots)
  const call = async (op: string, input: string, opts: { stdin?: Uint8Array } = {}) => {
    const path = confinePath(input, workdir, roots)
    const result = await exec(['/bin/sh', '-c', script, 'files', op, path], {
      ...opts,
      maxOutputBytes: READ_LIMIT,
      timeoutMs: FILE_OP_TIMEOUT_MS,
    })
    if (result.error === 'output_limit')
      throw new AppError('payload_too_large', `${input} is larger than ${READ_LIMIT / MB} MB`)
    if (result.error) throw new AppError('internal', `files.${op} ${input} was stopped (${result.error})`)
    return { path, code: result.exitCode, stdout: result.stdout, stderr: result.stderr.toString('utf8') }
  }
  const fail = (op: string, input: string, code: number, stderr: string): never => {
    if (code === 3) throw new AppError('not_found', `${input} does not exist in the sandbox`)
    if (code === 4)
      throw new AppError('forbidden', `${input} resolves outside the sandbox (allowed: ${roots.join(', ')})`)
    if (code === 5) throw new AppError('bad_request', `${input} is a folder`)
    if (code === 6) throw new AppError('bad_request', `cannot create the parent folders of ${input}`)
    if (code === 7) throw new AppError('bad_request', `${input} is not a folder`)
    throw new AppError('internal', `files.${op} ${input} failed (exit ${code}): ${stderr.trim()}`)
  }
  const readBytes = async (input: string) => {
    const { code, stdout, stderr } = await call('read', input)
    if (code !== 0) fail('read', input, code, stderr)
    return new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength)
  }
  return {
    readBytes,
    read: async (input) => Buffer.from(await readBytes(input)).toString('utf8'),
    write: async (input, data) => {
      const stdin = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
      const { code, stderr } = await call('write', input, { stdin })
      if (code !== 0) fail('write', input, code, stderr)
    },
    list: async (input) => {
      const { path, code, stdout, stderr } = await call('list', input)
      if (code !== 0) fail('list', input, code, stderr)
      return parseListing(stdout.toString('utf8'), path)
    },
    exists: async (input) => {
      const { code, stderr } = await call('exists', input)
      if (code === 0) return true
      if (code === 3) return false
      return fail('exists', input, code, stderr)
    },
    remove: async (input) => {
      const { code, stderr } = await call('remove', input)
      if (code !== 0) fail('remove', input, code, stderr)
    },
  }
}

/** `find -printf '%y\t%s\t%f\0'` output → entries (names may hold tabs: the name is the last field). */
export function parseListing(text: string, dir: string): EntryInfo[] {
  return text
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [kind = '', size = '0', ...rest] = line.split('\t')
      const name = rest.join('\t')
      const type = kind === 'd' ? 'dir' : kind === 'l' ? 'symlink' : 'file'
      return { name, path: posix.join(dir, name), type, size: Number(size) } satisfies EntryInfo
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/**
 * `sh -c SCRIPT files OP PATH`: the path arrives as an argument, never inside the script text.
 * Exit codes: 0 ok, 3 missing, 4 outside the allowed roots, 5 is a folder, 6 cannot make parents,
 * 7 not a folder. Paths are resolved with realpath (-e: must exist, -m: may be missing).
 */
function helperScript(roots: readonly string[]): string {
  const inside = roots.flatMap((root) => [root, `${root}/*`]).join('|')
  const exact = roots.join('|')
  return `set -u
op=$1 p=$2
inside() { case $1 in ${inside}) return 0 ;; esac; return 1; }
case $op in
read)
  r=$(realpath -e -- "$p" 2>/dev/null) || exit 3
  inside "$r" || exit 4
  [ -d "$r" ] && exit 5
  exec cat -- "$r" ;;
write)
  r=$(realpath -m -- "$p") || exit 6
  inside "$r" || exit 4
  [ -d "$r" ] && exit 5
  mkdir -p -- "\${r%/*}" 2>/dev/null || exit 6
  exec cat > "$r" ;;
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
