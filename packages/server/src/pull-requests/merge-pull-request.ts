import type { MergePullRequestBody, PullRequestMerge } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { pullRequests } from '../db/schema.ts'
import { AppError, conflict } from '../domain/errors.ts'
import { appendEvents } from '../events/append-event.ts'
import type { Forge, RepoRef } from '../forge/forge.ts'
import { repoRefOf } from '../repositories/repo-ref.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { finishMergedTask } from '../workflow/finish-merged-task.ts'
import { findOwnedPullRequest } from './find-owned-pull-request.ts'
import { pullRequestEvent, pullRequestOnForge, toPullRequestDto } from './pull-request-dto.ts'

/**
 * Merges a pull request on its repository's forge (the local forge in git, GitHub through its API),
 * then, in the same transaction, the pull request becomes `merged`, the event is written and the
 * after-merge rules run (workflow/finish-merged-task.ts: the task is done, waiting tasks start, a
 * split task's card follows).
 *
 * The squad's row lock is taken first (the order every board change uses) and then the pull
 * request's, so two merges of one pull request run one after the other and the second finds it
 * merged. The forge merges before the commit; if the transaction then fails, the next attempt
 * finds the head already in the base and records the merge (`already-merged`). A GitHub webhook
 * that reports the same merge later finds the task done and does nothing twice.
 */
export async function mergePullRequest(options: {
  db: Db
  forgeFor: (repo: RepoRef) => Forge
  baseUrl: string
  user: AuthUser
  repositoryId: string
  number: number
  input: MergePullRequestBody
}): Promise<PullRequestMerge> {
  const { db, user, repositoryId, number, input, baseUrl } = options
  return db.transaction(async (tx) => {
    const found = await findOwnedPullRequest(tx, user, repositoryId, number)
    await findOwnedSquad(tx, user, found.repository.squadId, { lock: true })
    const { pullRequest: pr, repository } = await findOwnedPullRequest(tx, user, repositoryId, number, {
      lock: true,
    })
    if (pr.state === 'merged') throw conflict(`Pull request #${number} is already merged`)
    if (pr.state === 'closed') throw conflict(`Pull request #${number} is closed: reopen it to merge`)
    const forge = options.forgeFor(repoRefOf(repository))
    if (!forge.mergePullRequest)
      throw new AppError('bad_request', `Pull requests of ${repository.name} are merged on its own forge`)
    const merged = await forge.mergePullRequest(repoRefOf(repository), pullRequestOnForge(pr), {
      ...(input.commit_message ? { commitMessage: input.commit_message } : {}),
      mergedBy: { name: user.name, email: `${user.id}@users.agent-squad.local` },
    })

    const [row] = await tx
      .update(pullRequests)
      .set({ state: 'merged', mergeCommit: merged.commit, mergedAt: new Date(), updatedAt: new Date() })
      .where(eq(pullRequests.id, pr.id))
      .returning()
    if (!row) throw new Error('update returned no row')
    const pullRequest = toPullRequestDto(row, baseUrl)
    const moved = pr.taskId ? await finishMergedTask(tx, pr.taskId) : []
    await appendEvents(tx, [pullRequestEvent('pull_request.merged', pullRequest), ...moved])
    return { pull_request: pullRequest, method: merged.method, merge_commit: merged.commit }
  })
}
