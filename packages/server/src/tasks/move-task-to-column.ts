import type { TaskStatus } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { squads, tasks } from '../db/schema.ts'
import type { NewEvent } from '../events/append-event.ts'
import { closeGap, columnLength } from './board-position.ts'
import { toTaskDto } from './task-dto.ts'

/**
 * Moves a task to the end of a column on the system's behalf (the pipeline: started → in progress,
 * PR opened → in review, merged → done). Runs inside the caller's transaction and returns the
 * `task.moved` event for the caller to append with its own; nothing when the task is already there.
 */
export async function moveTaskToColumn(
  tx: Executor,
  taskId: string,
  status: TaskStatus,
): Promise<NewEvent[]> {
  const [found] = await tx.select({ squadId: tasks.squadId }).from(tasks).where(eq(tasks.id, taskId))
  if (!found) return []
  // The squad's row lock serialises every board change in the squad (see board-position.ts).
  await tx.select({ id: squads.id }).from(squads).where(eq(squads.id, found.squadId)).for('update')
  const [current] = await tx.select().from(tasks).where(eq(tasks.id, taskId))
  if (!current || current.status === status) return []
  const position = await columnLength(tx, { squadId: current.squadId, status }, taskId)
  await closeGap(tx, current, current.position, taskId)
  const [row] = await tx
    .update(tasks)
    .set({ status, position, updatedAt: new Date() })
    .where(eq(tasks.id, taskId))
    .returning()
  if (!row) return []
  return [
    {
      type: 'task.moved',
      squadId: row.squadId,
      taskId,
      payload: {
        task: toTaskDto(row),
        from_status: current.status as TaskStatus,
        from_position: current.position,
      },
    },
  ]
}
