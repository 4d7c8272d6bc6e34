import { GitCommandError, runGit } from '../../git/run-git.ts'

export const branchRef = (branch: string) => `refs/heads/${branch}`

/** Where a merged pull request's compared commits are kept (hidden from pushes, see ensure-bare-repository). */
export const pullRef = (number: number, which: 'head' | 'base') => `refs/pull/${number}/${which}`

/** The commit `ref` points at, or null when it does not exist. */
export async function resolveCommit(gitDir: string, ref: string): Promise<string | null> {
  const result = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    cwd: gitDir,
    okExitCodes: [0, 1],
  })
  return result.exitCode === 0 ? result.stdout.trim() : null
}

/** True when `ancestor` is `descendant` or one of its ancestors. */
export async function isAncestor(gitDir: string, ancestor: string, descendant: string): Promise<boolean> {
  const result = await runGit(['merge-base', '--is-ancestor', ancestor, descendant], {
    cwd: gitDir,
    okExitCodes: [0, 1],
  })
  return result.exitCode === 0
}

/** The best common ancestor of two commits, or null when their histories are unrelated. */
export async function mergeBase(gitDir: string, a: string, b: string): Promise<string | null> {
  const result = await runGit(['merge-base', a, b], { cwd: gitDir, okExitCodes: [0, 1] })
  return result.exitCode === 0 ? result.stdout.trim() : null
}

/** The id of the empty tree in this repository's object format (what an absent base diffs against). */
export async function emptyTree(gitDir: string): Promise<string> {
  const result = await runGit(['hash-object', '-t', 'tree', '/dev/null'], { cwd: gitDir })
  return result.stdout.trim()
}

/**
 * Points `ref` at `next` only if it still points at `expected` (null: only if it does not exist).
 * Returns false when another writer moved it first.
 */
export async function compareAndSwapRef(
  gitDir: string,
  ref: string,
  next: string,
  expected: string | null,
): Promise<boolean> {
  const args = ['update-ref', ref, next, expected ?? '']
  const result = await runGit(args, { cwd: gitDir, okExitCodes: [0, 128] })
  if (result.exitCode === 0) return true
  if (
    /but expected|reference already exists|unable to resolve reference|Unable to create .*\.lock/.test(
      result.stderr,
    )
  )
    return false
  throw new GitCommandError(args, result)
}
