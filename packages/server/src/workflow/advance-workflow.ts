import type { TaskStatus } from '@agent-squad/contract'
import { and, count, eq } from 'drizzle-orm'
import type { AgentPlan, AgentReview } from '../agents/runtime/agent-runtime.ts'
import type { Executor } from '../db/database.ts'
import { squadMembers, squads, taskExecutions, tasks } from '../db/schema.ts'
import type { NewEvent } from '../events/append-event.ts'
import type { ExecutionRow } from '../executions/find-owned-execution.ts'
import { queueExecution } from '../executions/queue-execution.ts'
import { moveTaskToColumn } from '../tasks/move-task-to-column.ts'
import { createSubtasks } from './create-subtasks.ts'
import { recordReview } from './record-review.ts'
import { rollUpParent } from './roll-up-parent.ts'
import { findReviewer, teamWorkflowOf } from './squad-workflow.ts'
import { startUnblocked } from './start-unblocked.ts'

export type RunOutcome = 'succeeded' | 'no_changes' | 'failed' | 'cancelled'

/** Where a task goes when its run ends and the workflow has nothing more to say. */
const columnAfter: Record<RunOutcome, TaskStatus> = {
  succeeded: 'in_review',
  no_changes: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
}

/**
 * The next move after a run ends, in the transaction that records its end (so a crash cannot lose
 * it): the task's column, and in a team squad the next run. A plan creates and queues subtasks; an
 * implementation that opened a pull request is queued for review; a review that asks for changes
 * queues the implementer's revision on the same branch, at most `max_review_rounds` times. A
 * subtask's parent follows its subtasks.
 */
export async function advanceWorkflow(
  tx: Executor,
  options: {
    execution: ExecutionRow
    outcome: RunOutcome
    agentResult: Record<string, unknown> | undefined
    /** The task's branch has a pull request open (or, without a pull-request API, is pushed for review). */
    awaitingReview?: boolean
  },
): Promise<NewEvent[]> {
  const { execution, outcome } = options
  // The squad's row lock first: every board change takes it, and the inserts below check keys against it.
  const [squad] = await tx.select().from(squads).where(eq(squads.id, execution.squadId)).for('update')
  const [task] = await tx.select().from(tasks).where(eq(tasks.id, execution.taskId))
  if (!squad || !task) return []
  const workflow = teamWorkflowOf(squad.config)
  const events: NewEvent[] = []
  const reason = execution.runReason
  let column: TaskStatus = columnAfter[outcome]

  if (outcome === 'succeeded' && reason === 'plan') {
    const plan = options.agentResult?.plan as AgentPlan | undefined
    if (plan?.subtasks.length)
      events.push(
        ...(await createSubtasks(tx, task, plan, execution.agentId, { chain: workflow.chain })).events,
      )
    column = 'in_progress'
  } else if (outcome === 'succeeded' && reason === 'review') {
    const review = options.agentResult?.review as AgentReview | undefined
    const [reviewer] = execution.agentId
      ? await tx.select().from(squadMembers).where(eq(squadMembers.id, execution.agentId))
      : []
    if (review) {
      const revisions = await countRuns(tx, task.id, 'revision')
      const recorded = await recordReview(tx, {
        task,
        author: { kind: 'agent', id: reviewer?.id ?? null, name: reviewer?.name ?? 'reviewer' },
        executionId: execution.id,
        verdict: review.verdict,
        body: review.body,
        comments: review.comments,
        followUp: revisions < workflow.maxReviewRounds,
      })
      events.push(...recorded.events)
      if (recorded.review.follow_up_execution_id) column = 'in_progress'
    }
  } else if (workflow.chain && task.parentTaskId && (outcome === 'succeeded' || outcome === 'no_changes')) {
    // A link of a chain: its work is on the parent's branch, so it is done, and hands on.
    column = 'done'
    events.push(...(await moveTaskToColumn(tx, task.id, column)))
    events.push(...(await handOn(tx, task, execution.agentId, workflow.maxReviewRounds)))
    events.push(...(await rollUpParent(tx, task.id)))
    return events
  } else if (outcome === 'succeeded' && workflow.team) {
    // Implemented and in a pull request: the squad's reviewer reads it before a human does.
    const reviewer = await findReviewer(tx, task.squadId, execution.agentId)
    const reviews = await countRuns(tx, task.id, 'review')
    if (reviewer && reviews <= workflow.maxReviewRounds) {
      const queued = await queueExecution(tx, {
        task,
        agentId: reviewer.id,
        runReason: 'review',
        column: 'in_review',
      })
      events.push(...queued.events)
    }
  } else if (reason === 'review') {
    // The review itself failed or was cancelled: the implementation and its pull request stand,
    // so the task stays in review (for a person, or a review started again) rather than "failed".
    column = 'in_review'
  } else if (outcome === 'no_changes' && (reason === 'revision' || options.awaitingReview)) {
    // Nothing changed in answer to the review, or on running the task again: its pull request is
    // still open, for a human to judge, so the task stays in review (done is for a merged one).
    column = 'in_review'
  }
  // A follow-up queued above already moved the task; otherwise it goes where this run left it.
  const queuedFollowUp = events.some((e) => e.type === 'execution.created')
  if (!queuedFollowUp || reason === 'plan') events.push(...(await moveTaskToColumn(tx, task.id, column)))
  // Nothing to merge (no changes) counts as done: tasks that waited for this one may start.
  if (column === 'done' && !queuedFollowUp) events.push(...(await startUnblocked(tx, task.id)))
  events.push(...(await rollUpParent(tx, task.id)))
  return events
}

/**
 * After a link of a chain: the next subtask starts on the same branch; after the last, the
 * squad's reviewer reads the parent's pull request, the whole chain's work in one diff.
 */
async function handOn(
  tx: Executor,
  link: typeof tasks.$inferSelect,
  implementerId: string | null,
  maxReviewRounds: number,
): Promise<NewEvent[]> {
  const next = await startUnblocked(tx, link.id)
  if (next.length || !link.parentTaskId) return next
  const siblings = await tx
    .select({ status: tasks.status })
    .from(tasks)
    .where(eq(tasks.parentTaskId, link.parentTaskId))
  if (siblings.some((s) => s.status !== 'done')) return []
  const [parent] = await tx.select().from(tasks).where(eq(tasks.id, link.parentTaskId))
  if (!parent) return []
  const reviewer = await findReviewer(tx, parent.squadId, implementerId)
  if (!reviewer || (await countRuns(tx, parent.id, 'review')) > maxReviewRounds)
    return moveTaskToColumn(tx, parent.id, 'in_review')
  const queued = await queueExecution(tx, {
    task: parent,
    agentId: reviewer.id,
    runReason: 'review',
    column: 'in_review',
  })
  return queued.events
}

async function countRuns(tx: Executor, taskId: string, reason: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(taskExecutions)
    .where(and(eq(taskExecutions.taskId, taskId), eq(taskExecutions.runReason, reason)))
  return row?.n ?? 0
}
