import type { Task } from '@agent-squad/contract'
import { and, eq, inArray, sql } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { taskExecutions, tasks } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import { appendEvents, type NewEvent } from '../events/append-event.ts'
import { closeGap } from './board-position.ts'
import { lockOwnedTask } from './lock-owned-task.ts'
import { toTaskDto } from './task-dto.ts'

/**
 * Deletes a task (its executions go with it, by foreign key) and closes the gap in its column.
 * Subtasks stay on the board but lose their parent: `parent_task_id` has no foreign key, so this is
 * where a dangling reference would otherwise appear. Tasks that waited for it (`blocked_by`) stop
 * waiting for it, but do not start by themselves: its work never landed, so a person decides. Each
 * task changed this way gets a `task.updated`.
 */
export async function deleteTask(options: { db: Db; user: AuthUser; taskId: string }): Promise<void> {
  const { db, user, taskId } = options
  await db.transaction(async (tx) => {
    const task = await lockOwnedTask(tx, user, taskId)
    const [active] = await tx
      .select({ id: taskExecutions.id })
      .from(taskExecutions)
      .where(and(eq(taskExecutions.taskId, taskId), inArray(taskExecutions.status, ['queued', 'running'])))
    // Deleting would cascade into a running execution's rows while its sandbox still works on them.
    if (active)
      throw new AppError(
        'conflict',
        'This task has an execution queued or running: cancel it before deleting the task',
        {
          details: { execution_id: active.id },
        },
      )
    await tx.delete(tasks).where(eq(tasks.id, taskId))
    await closeGap(tx, task, task.position)
    const children = await tx
      .update(tasks)
      .set({ parentTaskId: null, updatedAt: new Date() })
      .where(eq(tasks.parentTaskId, taskId))
      .returning()
    const unblocked = await tx
      .update(tasks)
      .set({ blockedBy: sql`${tasks.blockedBy} - ${taskId}::text`, updatedAt: new Date() })
      .where(sql`${tasks.blockedBy} @> ${JSON.stringify([taskId])}::jsonb`)
      .returning()
    const batch: NewEvent[] = [...children, ...unblocked].map((row) => {
      const child: Task = toTaskDto(row)
      return { type: 'task.updated', squadId: task.squadId, taskId: child.id, payload: child }
    })
    batch.push({ type: 'task.deleted', squadId: task.squadId, taskId, payload: { id: taskId } })
    await appendEvents(tx, batch)
  })
}
