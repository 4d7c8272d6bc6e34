import type { Execution } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { taskExecutions } from '../db/schema.ts'
import { appendEvents } from '../events/append-event.ts'
import { moveTaskToColumn } from '../tasks/move-task-to-column.ts'
import { toExecutionDto } from './execution-dto.ts'
import { findOwnedExecution } from './find-owned-execution.ts'
import { notifyWorkers } from './queue/jobs-channel.ts'

const finished = new Set(['succeeded', 'failed', 'cancelled', 'no_changes'])

/**
 * Cancels an execution. A queued one is cancelled at once; a running one is flagged and its worker
 * (told through NOTIFY, and by its lease check) stops its processes and runs the cleanup step, which
 * saves any unpushed work as a patch before the sandbox goes. Cancelling a finished execution is a
 * no-op that answers its current state.
 */
export async function cancelExecution(options: {
  db: Db
  user: AuthUser
  executionId: string
}): Promise<Execution> {
  const { db, user, executionId } = options
  return db.transaction(async (tx) => {
    await findOwnedExecution(tx, user, executionId)
    const [current] = await tx
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.id, executionId))
      .for('update')
    if (!current) throw new Error('execution vanished')
    if (finished.has(current.status) || current.cancelRequested) return toExecutionDto(current)
    const queued = current.status === 'queued'
    const [row] = await tx
      .update(taskExecutions)
      .set({
        cancelRequested: true,
        updatedAt: new Date(),
        ...(queued
          ? { status: 'cancelled', finishedAt: new Date(), error: 'Cancelled before it started' }
          : {}),
      })
      .where(eq(taskExecutions.id, executionId))
      .returning()
    if (!row) throw new Error('update returned no row')
    const moved = queued ? await moveTaskToColumn(tx, row.taskId, 'cancelled') : []
    const execution = toExecutionDto(row)
    await appendEvents(tx, [
      {
        type: 'execution.updated',
        squadId: row.squadId,
        taskId: row.taskId,
        executionId,
        payload: execution,
      },
      ...moved,
    ])
    if (!queued) await notifyWorkers(tx, `cancel:${executionId}`)
    return execution
  })
}
