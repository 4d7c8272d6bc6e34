import { posix } from 'node:path'
import { AppError } from '../../domain/errors.ts'

/** True when `path` is `root` or inside it (both normalized, absolute). */
export function isWithin(path: string, root: string): boolean {
  if (root === '/') return path.startsWith('/')
  return path === root || path.startsWith(`${root}/`)
}

/**
 * Turns a files-API path into a normalized absolute path that lies lexically inside one of `roots`:
 * relative paths are taken from `workdir`; `..` that climbs out, or an absolute path elsewhere, is
 * refused with AppError `forbidden`. Symlinks are the caller's business (they need the filesystem).
 */
export function confinePath(input: string, workdir: string, roots: readonly string[]): string {
  if (typeof input !== 'string' || input.length === 0)
    throw new AppError('bad_request', 'a sandbox file path must be a non-empty string')
  if (input.includes('\0')) throw new AppError('bad_request', 'a sandbox file path cannot contain NUL')
  let path = posix.normalize(posix.isAbsolute(input) ? input : posix.join(workdir, input))
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
  if (!roots.some((root) => isWithin(path, root)))
    throw new AppError('forbidden', `${input} is outside the sandbox (allowed: ${roots.join(', ')})`)
  return path
}
