import type { TaskStatus } from '@agent-squad/contract'
import { and, eq, inArray } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { squads, taskExecutions, tasks } from '../db/schema.ts'
import type { NewEvent } from '../events/append-event.ts'
import { moveTaskToColumn } from '../tasks/move-task-to-column.ts'
import { teamWorkflowOf } from './squad-workflow.ts'

/**
 * Keeps a split task's card in step with its subtasks: done when all are done, in review when all
 * are in review or done, failed when none is still working and one failed or was cancelled;
 * otherwise in progress. Runs in the caller's transaction, after the subtask moved.
 */
export async function rollUpParent(tx: Executor, taskId: string): Promise<NewEvent[]> {
  const [task] = await tx.select({ parentTaskId: tasks.parentTaskId }).from(tasks).where(eq(tasks.id, taskId))
  if (!task?.parentTaskId) return []
  const children = await tx
    .select({ id: tasks.id, status: tasks.status })
    .from(tasks)
    .where(eq(tasks.parentTaskId, task.parentTaskId))
  if (!children.length) return []
  const active = await tx
    .select({ id: taskExecutions.id })
    .from(taskExecutions)
    .where(
      and(
        inArray(
          taskExecutions.taskId,
          children.map((c) => c.id),
        ),
        inArray(taskExecutions.status, ['queued', 'running']),
      ),
    )
    .limit(1)
  const statuses = children.map((c) => c.status)
  const all = (...allowed: string[]) => statuses.every((s) => allowed.includes(s))
  let column: TaskStatus = 'in_progress'
  // A chain's parent owns the pull request: once every link is done, its review and merge decide.
  if (all('done') && (await chained(tx, task.parentTaskId))) return []
  if (all('done')) column = 'done'
  else if (!active.length && all('in_review', 'done')) column = 'in_review'
  else if (!active.length && statuses.some((s) => s === 'failed' || s === 'cancelled')) column = 'failed'
  return moveTaskToColumn(tx, task.parentTaskId, column)
}

/** Whether the parent's squad chains subtasks (they worked on the parent's branch). */
async function chained(tx: Executor, parentId: string): Promise<boolean> {
  const [row] = await tx
    .select({ config: squads.config })
    .from(tasks)
    .innerJoin(squads, eq(squads.id, tasks.squadId))
    .where(eq(tasks.id, parentId))
  return row ? teamWorkflowOf(row.config).chain : false
}
