import type { Execution, ListQuery, Page } from '@agent-squad/contract'
import { and, desc, eq, lt } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { decodeCursor, toPage } from '../db/pagination.ts'
import { taskExecutions } from '../db/schema.ts'
import { findOwnedTask } from '../tasks/find-owned-task.ts'
import { toExecutionDto } from './execution-dto.ts'
import { queuePosition } from './queue-position.ts'

/**
 * A task's executions, newest first: the latest attempt is what a client shows. Ids are UUID v7, so
 * id order is creation order; `next_cursor` is the last (oldest) id of a page and the next page holds
 * the executions created before it.
 */
export async function listTaskExecutions(options: {
  db: Executor
  user: AuthUser
  taskId: string
  query: ListQuery
}): Promise<Page<Execution>> {
  const { db, user, taskId, query } = options
  await findOwnedTask(db, user, taskId)
  const before = decodeCursor(query.cursor)
  const rows = await db
    .select()
    .from(taskExecutions)
    .where(and(eq(taskExecutions.taskId, taskId), before ? lt(taskExecutions.id, before) : undefined))
    .orderBy(desc(taskExecutions.id))
    .limit(query.limit + 1)
  // Queued ones show their place in the queue, as everywhere else.
  const positions = new Map<string, number | null>()
  for (const row of rows) if (row.status === 'queued') positions.set(row.id, await queuePosition(db, row))
  return toPage(rows, query.limit, (row) => toExecutionDto(row, positions.get(row.id) ?? null))
}
