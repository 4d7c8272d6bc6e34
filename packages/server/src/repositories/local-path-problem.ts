import { realpathSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The real path when it exists (so a symlink cannot point out of a root), else the resolved one. */
function canonical(path: string): string {
  const resolved = resolve(path)
  try {
    return realpathSync.native(resolved)
  } catch {
    return resolved
  }
}

const isInside = (root: string, path: string) => {
  const rel = relative(root, path)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/**
 * Why a `file://` repository URL is refused, or null when it is acceptable (or not a file URL: the
 * contract's remoteUrlProblem has checked every other form). A file URL would let anyone with API
 * access clone any folder of the server, so it must lie under one of SQUAD_LOCAL_REPO_ROOTS.
 */
export function localPathProblem(url: string, roots: readonly string[]): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (parsed.protocol !== 'file:') return null
  if (roots.length === 0)
    return 'file:// URLs are disabled on this server; an admin can allow folders with SQUAD_LOCAL_REPO_ROOTS'
  let path: string
  try {
    path = canonical(fileURLToPath(parsed))
  } catch {
    return 'must be a file:///absolute/path URL without a host'
  }
  if (roots.some((root) => isInside(canonical(root), path))) return null
  return `must lie under one of SQUAD_LOCAL_REPO_ROOTS (${roots.join(':')})`
}
