import { posix } from 'node:path'
import { shellCommand } from '../../../git/shell-quote.ts'
import type { Sandbox } from '../../../sandbox/sandbox-provider.ts'

/** A path the model gave that would leave the workspace; reported back to the model, never thrown past the tool. */
export class PathEscapeError extends Error {
  constructor(input: string, why: string) {
    super(`Refused: "${input}" ${why}. Paths must stay inside the workspace (use paths relative to it).`)
    this.name = 'PathEscapeError'
  }
}

const within = (path: string, root: string) => path === root || path.startsWith(`${root}/`)

/**
 * Confines a path lexically to `workdir` and returns it relative to it ('.' for the workspace itself):
 * relative paths are taken from the workspace, `..` that climbs out and absolute paths elsewhere are
 * refused. Symlinks need the filesystem: see `checkRealPaths`.
 */
export function confineToWorkspace(input: string, workdir: string): string {
  if (input.includes('\0')) throw new PathEscapeError(input.replaceAll('\0', '\\0'), 'contains a NUL byte')
  const raw = input.trim() === '' ? '.' : input.trim()
  const absolute = posix.normalize(posix.isAbsolute(raw) ? raw : posix.join(workdir, raw))
  const path = absolute.length > 1 && absolute.endsWith('/') ? absolute.slice(0, -1) : absolute
  if (!within(path, workdir))
    throw new PathEscapeError(
      input,
      posix.isAbsolute(raw) ? `is outside the workspace (${workdir})` : 'climbs out of the workspace',
    )
  return path === workdir ? '.' : path.slice(workdir.length + 1)
}

/**
 * Resolves `paths` (already confined lexically, relative to the workspace) inside the sandbox, with
 * every symlink followed, and refuses any that lands outside the workspace. One command for all of
 * them; paths that do not exist yet resolve through their deepest existing parent.
 */
export async function checkRealPaths(sandbox: Sandbox, workdir: string, paths: string[]): Promise<void> {
  if (paths.length === 0) return
  const command = shellCommand(['realpath', '-m', '-z', '--', workdir, ...paths])
  const result = await sandbox.commands.run(command, { cwd: workdir, timeoutMs: 30_000 })
  const [root = workdir, ...real] = result.stdout.split('\0')
  paths.forEach((path, i) => {
    const resolved = real[i]
    if (resolved === undefined || !within(resolved, root))
      throw new PathEscapeError(
        path,
        `resolves (through a symlink) to ${resolved ?? 'an unknown place'}, outside the workspace`,
      )
  })
}
