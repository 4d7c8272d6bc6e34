import type { Review, ReviewAuthorKind, ReviewComment, ReviewVerdict } from '@agent-squad/contract'
import { and, count, desc, eq, inArray, isNotNull, or, type SQL } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { reviews, taskExecutions, tasks } from '../db/schema.ts'
import { newId } from '../domain/ids.ts'
import type { NewEvent } from '../events/append-event.ts'
import { queueExecution } from '../executions/queue-execution.ts'
import { toReviewDto } from '../reviews/review-dto.ts'
import type { TaskRow } from '../tasks/find-owned-task.ts'

/** Runs that implement (they commit); reviews and plans do not. */
export const implementingReasons = ['start', 'retry', 'revision'] as const

/**
 * The newest run of a task, or of its subtasks (a chain's parent, whose subtasks worked on its
 * branch and opened its pull request), that matches `where`.
 */
async function newestRunOf(tx: Executor, taskId: string, where: SQL | undefined) {
  const [row] = await tx
    .select({ agentId: taskExecutions.agentId, url: taskExecutions.pullRequestUrl })
    .from(taskExecutions)
    .innerJoin(tasks, eq(tasks.id, taskExecutions.taskId))
    .where(and(or(eq(taskExecutions.taskId, taskId), eq(tasks.parentTaskId, taskId)), where))
    .orderBy(desc(taskExecutions.queuedAt))
    .limit(1)
  return row
}

/** The agent whose work is under review: the one that ran the latest implementing execution. */
export async function lastImplementer(tx: Executor, taskId: string): Promise<string | null> {
  const where = and(
    inArray(taskExecutions.runReason, [...implementingReasons]),
    isNotNull(taskExecutions.agentId),
  )
  return (await newestRunOf(tx, taskId, where))?.agentId ?? null
}

/** The pull request of a task, as its latest run that opened or updated one recorded it. */
export async function pullRequestUrlOf(tx: Executor, taskId: string): Promise<string | null> {
  return (await newestRunOf(tx, taskId, isNotNull(taskExecutions.pullRequestUrl)))?.url ?? null
}

/**
 * Stores a review of a task's pull request and, when it asks for changes and `followUp` allows,
 * queues the implementer's revision on the same branch (the pull request follows the branch). The
 * caller holds the squad's row lock; the returned events go after its own.
 */
export async function recordReview(
  tx: Executor,
  options: {
    task: TaskRow
    author: { kind: ReviewAuthorKind; id: string | null; name: string }
    executionId: string | null
    verdict: ReviewVerdict
    body: string
    comments: ReviewComment[]
    /** Whether changes requested start a revision (false once the rounds are used up). */
    followUp: boolean
  },
): Promise<{ events: NewEvent[]; review: Review }> {
  const { task } = options
  const [done] = await tx.select({ n: count() }).from(reviews).where(eq(reviews.taskId, task.id))
  const events: NewEvent[] = []
  let followUpExecutionId: string | null = null
  if (options.verdict === 'changes_requested' && options.followUp) {
    const implementer = (await lastImplementer(tx, task.id)) ?? task.assigneeId
    const queued = await queueExecution(tx, { task, agentId: implementer, runReason: 'revision' })
    followUpExecutionId = queued.execution.id
    events.push(...queued.events)
  }
  const [row] = await tx
    .insert(reviews)
    .values({
      id: newId(),
      squadId: task.squadId,
      taskId: task.id,
      executionId: options.executionId,
      authorKind: options.author.kind,
      authorId: options.author.id,
      authorName: options.author.name,
      verdict: options.verdict,
      body: options.body,
      comments: options.comments,
      round: (done?.n ?? 0) + 1,
      followUpExecutionId,
      pullRequestUrl: await pullRequestUrlOf(tx, task.id),
    })
    .returning()
  if (!row) throw new Error('insert returned no row')
  const review = toReviewDto(row)
  events.unshift({ type: 'review.submitted', squadId: task.squadId, taskId: task.id, payload: review })
  return { events, review }
}
