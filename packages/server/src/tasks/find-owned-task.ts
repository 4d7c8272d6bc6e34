import { and, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { squads, tasks } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'

export type TaskRow = typeof tasks.$inferSelect

/** The task if it belongs to one of `user`'s squads; anything else is a 404. */
export async function findOwnedTask(db: Executor, user: AuthUser, taskId: string): Promise<TaskRow> {
  const [row] = await db
    .select({ task: tasks })
    .from(tasks)
    .innerJoin(squads, eq(squads.id, tasks.squadId))
    .where(and(eq(tasks.id, taskId), eq(squads.userId, user.id)))
  if (!row) throw notFound('Task', taskId)
  return row.task
}
