import type { CreateReviewBody, CreateReviewResult } from '@agent-squad/contract'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { AppError } from '../domain/errors.ts'
import { appendEvents } from '../events/append-event.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { findOwnedTask } from '../tasks/find-owned-task.ts'
import { pullRequestUrlOf, recordReview } from '../workflow/record-review.ts'

/**
 * A person's review of a task's pull request. Changes requested go back to the implementing agent
 * as a revision on the same branch and pull request, exactly like the reviewer agent's (a person is
 * never limited by the review rounds).
 */
export async function createReview(options: {
  db: Db
  user: AuthUser
  taskId: string
  input: CreateReviewBody
}): Promise<CreateReviewResult> {
  const { db, user, taskId, input } = options
  return db.transaction(async (tx) => {
    const task = await findOwnedTask(tx, user, taskId)
    if (input.verdict !== 'approved' && !input.body && !input.comments.length)
      throw new AppError('validation_failed', 'body: say what should change (or add comments)')
    await findOwnedSquad(tx, user, task.squadId, { lock: true })
    if (!(await pullRequestUrlOf(tx, task.id)))
      throw new AppError(
        'conflict',
        `Task #${task.number} has no pull request to review yet: start it and wait for its pull request`,
      )
    const recorded = await recordReview(tx, {
      task,
      author: { kind: 'user', id: user.id, name: user.name },
      executionId: null,
      verdict: input.verdict,
      body: input.body,
      comments: input.comments,
      followUp: true,
    })
    await appendEvents(tx, recorded.events)
    return { review: recorded.review, follow_up_execution_id: recorded.review.follow_up_execution_id }
  })
}
