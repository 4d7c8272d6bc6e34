import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { tasks } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { findOwnedTask, type TaskRow } from './find-owned-task.ts'

/**
 * Takes the row lock of the task's squad (which serialises every board change in that squad) and
 * returns the task as it is after the lock. The first read only finds the squad; the task is read
 * again because another transaction may have moved or deleted it while this one waited.
 */
export async function lockOwnedTask(tx: Executor, user: AuthUser, taskId: string): Promise<TaskRow> {
  const found = await findOwnedTask(tx, user, taskId)
  await findOwnedSquad(tx, user, found.squadId, { lock: true })
  const [row] = await tx.select().from(tasks).where(eq(tasks.id, taskId))
  if (!row) throw notFound('Task', taskId)
  return row
}
