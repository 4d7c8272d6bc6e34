import { and, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { squads, taskExecutions } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'

export type ExecutionRow = typeof taskExecutions.$inferSelect

/** The execution if it belongs to one of `user`'s squads; anything else is a 404. */
export async function findOwnedExecution(
  db: Executor,
  user: AuthUser,
  executionId: string,
): Promise<ExecutionRow> {
  const [row] = await db
    .select({ execution: taskExecutions })
    .from(taskExecutions)
    .innerJoin(squads, eq(squads.id, taskExecutions.squadId))
    .where(and(eq(taskExecutions.id, executionId), eq(squads.userId, user.id)))
  if (!row) throw notFound('Execution', executionId)
  return row.execution
}
