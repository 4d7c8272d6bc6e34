import type { PullRequestCommits, PullRequestDiff } from '@agent-squad/contract'
import { conflict } from '../../domain/errors.ts'
import { runGit } from '../../git/run-git.ts'
import type { MergeRequest, MergeResult, PullRequestOnForge } from '../forge.ts'
import { pullRef } from './git-refs.ts'
import { type MergeOutcome, mergeBranches } from './merge-branches.ts'
import { pullRange } from './pull-range.ts'
import { readCommits } from './read-commits.ts'
import { readDiff } from './read-diff.ts'

type Merged = Extract<MergeOutcome, { commit: string }>

/** The outcomes that merge nothing, as the 409 each one answers. */
function refusal(outcome: Exclude<MergeOutcome, Merged>, pr: PullRequestOnForge) {
  switch (outcome.kind) {
    case 'conflict':
      return conflict(
        `Pull request #${pr.number} has conflicts with ${pr.base}: ${outcome.paths.join(', ')}`,
        {
          conflicts: outcome.paths,
        },
      )
    case 'unrelated':
      return conflict(`${pr.head} and ${pr.base} have no common history`)
    case 'missing-head':
      return conflict(`The head branch "${pr.head}" does not exist in the repository`)
    case 'base-moved':
      return conflict(`${pr.base} kept moving while merging; try again`)
  }
}

/** Keeps what the pull request compared, so its diff and commits stay readable after the merge. */
async function recordPullRefs(gitDir: string, number: number, outcome: Merged) {
  const lines = [`update ${pullRef(number, 'head')} ${outcome.headSha}`]
  if (outcome.previousBase) lines.push(`update ${pullRef(number, 'base')} ${outcome.previousBase}`)
  await runGit(['update-ref', '--stdin'], { cwd: gitDir, input: `${lines.join('\n')}\n` })
}

/**
 * The local forge's pull requests in git: a merge is a fast-forward or a merge commit in the bare
 * repository (mergeBranches), then the compared commits are kept under refs/pull/<n>/; diff and
 * commits compare what the pull request compares (pullRange). The records live in the database,
 * written by the caller.
 */
export async function mergeLocalPull(
  gitDir: string,
  pr: PullRequestOnForge,
  request: MergeRequest,
): Promise<MergeResult> {
  const outcome = await mergeBranches(gitDir, {
    base: pr.base,
    head: pr.head,
    message: request.commitMessage ?? `Merge pull request #${pr.number} from ${pr.head}\n\n${pr.title}\n`,
    identity: request.mergedBy,
  })
  if (!('commit' in outcome)) throw refusal(outcome, pr)
  await recordPullRefs(gitDir, pr.number, outcome)
  return { method: outcome.kind, commit: outcome.commit }
}

export async function localPullDiff(
  gitDir: string,
  pr: PullRequestOnForge,
  maxBytes?: number,
): Promise<PullRequestDiff> {
  const range = await pullRange(gitDir, pr)
  return readDiff(gitDir, { ...range, base: pr.base, head: pr.head }, maxBytes)
}

export async function localPullCommits(gitDir: string, pr: PullRequestOnForge): Promise<PullRequestCommits> {
  return readCommits(gitDir, await pullRange(gitDir, pr))
}
