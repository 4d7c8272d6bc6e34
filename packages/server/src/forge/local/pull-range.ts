import { conflict } from '../../domain/errors.ts'
import { branchRef, pullRef, resolveCommit } from './git-refs.ts'

/** What a pull request compares: its head commit and the tip of its base (null if absent). */
export type PullRange = { headSha: string; baseTip: string | null }

/**
 * The commits a pull request compares. An open or closed one compares its branches as they are now;
 * a merged one compares what it merged, recorded in refs/pull/<n>/{head,base} when it was merged,
 * so its diff and commits stay readable after the branches move or are deleted.
 */
export async function pullRange(
  gitDir: string,
  pr: { number: number; head: string; base: string; state: string },
): Promise<PullRange> {
  if (pr.state === 'merged') {
    const headSha = await resolveCommit(gitDir, pullRef(pr.number, 'head'))
    if (headSha) return { headSha, baseTip: await resolveCommit(gitDir, pullRef(pr.number, 'base')) }
  }
  const headSha = await resolveCommit(gitDir, branchRef(pr.head))
  if (!headSha)
    throw conflict(`The head branch "${pr.head}" does not exist in the repository`, { head: pr.head })
  return { headSha, baseTip: await resolveCommit(gitDir, branchRef(pr.base)) }
}
