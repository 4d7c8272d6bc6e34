import { runGit } from '../../git/run-git.ts'
import { branchRef, compareAndSwapRef, isAncestor, resolveCommit } from './git-refs.ts'

export type MergeIdentity = { name: string; email: string }

export type MergeOptions = {
  base: string
  head: string
  /** The merge commit's message (used only when a merge commit is needed). */
  message: string
  /** Author and committer of the merge commit. */
  identity: MergeIdentity
}

export type MergeOutcome =
  | {
      kind: 'fast-forward' | 'merge-commit' | 'already-merged'
      /** What the base points at afterwards. */
      commit: string
      headSha: string
      /** What the base pointed at before (null when the base branch did not exist). */
      previousBase: string | null
    }
  | { kind: 'conflict'; paths: string[] }
  | { kind: 'unrelated' }
  | { kind: 'missing-head' }
  /** The base moved twice while merging: the caller answers 409 and the user retries. */
  | { kind: 'base-moved' }

/** git rejects names and emails with these characters in an identity. */
const clean = (text: string) => text.replace(/[<>\n\r]/g, '').trim() || 'unknown'

/** One attempt: everything is computed from the refs as read at its start. */
async function attempt(gitDir: string, options: MergeOptions): Promise<MergeOutcome | null> {
  const headSha = await resolveCommit(gitDir, branchRef(options.head))
  if (!headSha) return { kind: 'missing-head' }
  const baseSha = await resolveCommit(gitDir, branchRef(options.base))
  const done = (kind: 'fast-forward' | 'merge-commit' | 'already-merged', commit: string) => ({
    kind,
    commit,
    headSha,
    previousBase: baseSha,
  })
  if (baseSha && (await isAncestor(gitDir, headSha, baseSha))) return done('already-merged', baseSha)
  if (!baseSha || (await isAncestor(gitDir, baseSha, headSha)))
    return (await compareAndSwapRef(gitDir, branchRef(options.base), headSha, baseSha))
      ? done('fast-forward', headSha)
      : null

  const merged = await runGit(
    ['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', baseSha, headSha],
    {
      cwd: gitDir,
      okExitCodes: [0, 1, 128],
    },
  )
  if (merged.exitCode === 128) {
    if (/unrelated histories/.test(merged.stderr)) return { kind: 'unrelated' }
    throw new Error(`git merge-tree failed: ${merged.stderr.trim()}`)
  }
  const [tree = '', ...paths] = merged.stdout.split('\0').filter(Boolean)
  if (merged.exitCode === 1) return { kind: 'conflict', paths: [...new Set(paths)].sort() }

  const { name, email } = options.identity
  const identity = {
    GIT_AUTHOR_NAME: clean(name),
    GIT_AUTHOR_EMAIL: clean(email),
    GIT_COMMITTER_NAME: clean(name),
    GIT_COMMITTER_EMAIL: clean(email),
  }
  const commit = await runGit(['commit-tree', tree, '-p', baseSha, '-p', headSha, '-F', '-'], {
    cwd: gitDir,
    env: identity,
    input: options.message,
  })
  const mergeCommit = commit.stdout.trim()
  return (await compareAndSwapRef(gitDir, branchRef(options.base), mergeCommit, baseSha))
    ? done('merge-commit', mergeCommit)
    : null
}

/**
 * Merges `head` into `base` in a bare repository, the way a forge does: a fast-forward when the head
 * descends from the base, else a merge commit written with `git merge-tree --write-tree` and
 * `git commit-tree` (no working tree needed). The base moves by compare-and-swap, so a push that
 * lands meanwhile is never lost: the merge is recomputed once, then reported as `base-moved`.
 */
export async function mergeBranches(gitDir: string, options: MergeOptions): Promise<MergeOutcome> {
  for (let i = 0; i < 2; i++) {
    const outcome = await attempt(gitDir, options)
    if (outcome) return outcome
  }
  return { kind: 'base-moved' }
}
