import { and, eq, ne, sql } from 'drizzle-orm'
import type { Executor } from '../../db/database.ts'
import { sandboxes, taskExecutions } from '../../db/schema.ts'

/**
 * Marks a sandbox row TERMINATED and adds the seconds it ran (creation to now) to its execution's
 * `sandbox_seconds`, in the caller's transaction. Only a row not yet terminated counts, so cleanup
 * and the reaper meeting the same sandbox add its time once. Returns whether this call ended it.
 */
export async function endSandbox(tx: Executor, rowId: string, now: Date): Promise<boolean> {
  const [ended] = await tx
    .update(sandboxes)
    .set({ status: 'TERMINATED', updatedAt: now })
    .where(and(eq(sandboxes.id, rowId), ne(sandboxes.status, 'TERMINATED')))
    .returning({ executionId: sandboxes.executionId, createdAt: sandboxes.createdAt })
  if (!ended) return false
  const seconds = Math.max(0, Math.round((now.getTime() - ended.createdAt.getTime()) / 1000))
  if (ended.executionId && seconds > 0)
    await tx
      .update(taskExecutions)
      .set({ sandboxSeconds: sql`${taskExecutions.sandboxSeconds} + ${seconds}` })
      .where(eq(taskExecutions.id, ended.executionId))
  return true
}
