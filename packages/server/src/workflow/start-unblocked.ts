import { and, eq, inArray, sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { squadMembers, taskExecutions, tasks } from '../db/schema.ts'
import type { NewEvent } from '../events/append-event.ts'
import { queueExecution } from '../executions/queue-execution.ts'

/**
 * A task is done (its pull request merged): starts the tasks that waited for it (`blocked_by`)
 * and now wait for nothing, when they still sit in the backlog or to do, have an active assignee
 * and no run. Their branches start from the default branch, which now holds what they build on.
 * The caller holds the squad's row lock.
 */
export async function startUnblocked(tx: Executor, doneTaskId: string): Promise<NewEvent[]> {
  const waiting = await tx
    .select()
    .from(tasks)
    .where(
      and(
        sql`${tasks.blockedBy} @> ${JSON.stringify([doneTaskId])}::jsonb`,
        inArray(tasks.status, ['backlog', 'todo']),
      ),
    )
  const events: NewEvent[] = []
  for (const task of waiting) {
    const blockers = await tx
      .select({ status: tasks.status })
      .from(tasks)
      .where(inArray(tasks.id, task.blockedBy))
    if (blockers.some((b) => b.status !== 'done')) continue
    if (!task.assigneeId || !task.repositoryId) continue
    const [assignee] = await tx
      .select({ active: squadMembers.isActive })
      .from(squadMembers)
      .where(eq(squadMembers.id, task.assigneeId))
    if (!assignee?.active) continue
    const [run] = await tx
      .select({ id: taskExecutions.id })
      .from(taskExecutions)
      .where(eq(taskExecutions.taskId, task.id))
      .limit(1)
    if (run) continue
    events.push(...(await queueExecution(tx, { task, agentId: task.assigneeId })).events)
  }
  return events
}
