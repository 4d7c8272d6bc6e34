import type { Execution, ListQuery, Page } from '@agent-squad/contract'
import { and, desc, lt, type SQL } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { decodeCursor, toPage } from '../db/pagination.ts'
import { taskExecutions } from '../db/schema.ts'
import { toExecutionDto } from './execution-dto.ts'
import { queuePosition } from './queue-position.ts'

/**
 * One page of the executions matching `where`, newest first. Ids are UUID v7, so id order is
 * creation order; `next_cursor` is the last (oldest) id of a page and the next page holds the
 * executions created before it. Queued ones show their place in the queue, as everywhere else.
 */
export async function pageOfExecutions(db: Executor, where: SQL, query: ListQuery): Promise<Page<Execution>> {
  const before = decodeCursor(query.cursor)
  const rows = await db
    .select()
    .from(taskExecutions)
    .where(and(where, before ? lt(taskExecutions.id, before) : undefined))
    .orderBy(desc(taskExecutions.id))
    .limit(query.limit + 1)
  const positions = new Map<string, number | null>()
  for (const row of rows) if (row.status === 'queued') positions.set(row.id, await queuePosition(db, row))
  return toPage(rows, query.limit, (row) => toExecutionDto(row, positions.get(row.id) ?? null))
}
