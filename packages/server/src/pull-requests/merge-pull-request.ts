import type { MergePullRequestBody, PullRequestMerge } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { pullRequests } from '../db/schema.ts'
import { AppError, conflict } from '../domain/errors.ts'
import { appendEvents } from '../events/append-event.ts'
import { pullRef } from '../forge/local/git-refs.ts'
import type { LocalForge } from '../forge/local/local-forge.ts'
import { type MergeOutcome, mergeBranches } from '../forge/local/merge-branches.ts'
import { runGit } from '../git/run-git.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { finishMergedTask } from '../workflow/finish-merged-task.ts'
import { findOwnedPullRequest } from './find-owned-pull-request.ts'
import { pullRequestEvent, toPullRequestDto } from './pull-request-dto.ts'

type Merged = Extract<MergeOutcome, { commit: string }>

/** The outcomes that merge nothing, as the 409 each one answers. */
function refusal(outcome: Exclude<MergeOutcome, Merged>, pr: { number: number; head: string; base: string }) {
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

/**
 * Merges a pull request of the local forge: git first (a fast-forward or a merge commit, see
 * mergeBranches), then, in the same transaction, the pull request becomes `merged`, the event is
 * written and the linked task moves to the end of the `done` column (emitting `task.moved`).
 *
 * The squad's row lock is taken first (the order every board change uses) and then the pull
 * request's, so two merges of one pull request run one after the other and the second finds it
 * merged. The git refs move before the commit; if the transaction then fails, the next attempt
 * finds the head already in the base and records the merge (`already-merged`).
 */
export async function mergePullRequest(options: {
  db: Db
  forge: LocalForge
  user: AuthUser
  repositoryId: string
  number: number
  input: MergePullRequestBody
}): Promise<PullRequestMerge> {
  const { db, forge, user, repositoryId, number, input } = options
  const baseUrl = forge.baseUrl()
  return db.transaction(async (tx) => {
    const found = await findOwnedPullRequest(tx, user, repositoryId, number)
    await findOwnedSquad(tx, user, found.repository.squadId, { lock: true })
    const { pullRequest: pr, repository } = await findOwnedPullRequest(tx, user, repositoryId, number, {
      lock: true,
    })
    if (pr.state === 'merged') throw conflict(`Pull request #${number} is already merged`)
    if (pr.state === 'closed') throw conflict(`Pull request #${number} is closed: reopen it to merge`)
    if (repository.kind !== 'local')
      throw new AppError('bad_request', 'Only pull requests of local repositories merge here')

    const gitDir = forge.repoPath(repository)
    const outcome = await mergeBranches(gitDir, {
      base: pr.base,
      head: pr.head,
      message: input.commit_message ?? `Merge pull request #${pr.number} from ${pr.head}\n\n${pr.title}\n`,
      identity: { name: user.name, email: `${user.id}@users.agent-squad.local` },
    })
    if (!('commit' in outcome)) throw refusal(outcome, pr)
    await recordPullRefs(gitDir, pr.number, outcome)

    const [row] = await tx
      .update(pullRequests)
      .set({ state: 'merged', mergeCommit: outcome.commit, mergedAt: new Date(), updatedAt: new Date() })
      .where(eq(pullRequests.id, pr.id))
      .returning()
    if (!row) throw new Error('update returned no row')
    const pullRequest = toPullRequestDto(row, baseUrl)
    // The task is done, and a split task's card follows its subtasks.
    const moved = pr.taskId ? await finishMergedTask(tx, pr.taskId) : []
    await appendEvents(tx, [pullRequestEvent('pull_request.merged', pullRequest), ...moved])
    return { pull_request: pullRequest, method: outcome.kind, merge_commit: outcome.commit }
  })
}

/** Keeps what the pull request compared, so its diff and commits stay readable after the merge. */
async function recordPullRefs(gitDir: string, number: number, outcome: Merged) {
  const lines = [`update ${pullRef(number, 'head')} ${outcome.headSha}`]
  if (outcome.previousBase) lines.push(`update ${pullRef(number, 'base')} ${outcome.previousBase}`)
  await runGit(['update-ref', '--stdin'], { cwd: gitDir, input: `${lines.join('\n')}\n` })
}
