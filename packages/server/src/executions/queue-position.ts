import { and, count, eq, lt, or } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { taskExecutions } from '../db/schema.ts'
import type { ExecutionRow } from './find-owned-execution.ts'

/** 1-based place of a queued execution among all queued ones (oldest first); null when not queued. */
export async function queuePosition(db: Executor, row: ExecutionRow): Promise<number | null> {
  if (row.status !== 'queued') return null
  const [ahead] = await db
    .select({ n: count() })
    .from(taskExecutions)
    .where(
      and(
        eq(taskExecutions.status, 'queued'),
        or(
          lt(taskExecutions.queuedAt, row.queuedAt),
          and(eq(taskExecutions.queuedAt, row.queuedAt), lt(taskExecutions.id, row.id)),
        ),
      ),
    )
  return (ahead?.n ?? 0) + 1
}
