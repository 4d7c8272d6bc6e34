import type { Execution, ListQuery, Page } from '@agent-squad/contract'
import { and, desc, eq, lt } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { decodeCursor, toPage } from '../db/pagination.ts'
import { taskExecutions } from '../db/schema.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { toExecutionDto } from './execution-dto.ts'
import { queuePosition } from './queue-position.ts'

/**
 * A squad's executions across its tasks, newest first (what `squad execution list` shows). Ids are
 * UUID v7, so id order is creation order; `next_cursor` leads to older ones.
 */
export async function listSquadExecutions(options: {
  db: Executor
  user: AuthUser
  squadId: string
  query: ListQuery
}): Promise<Page<Execution>> {
  const { db, user, squadId, query } = options
  await findOwnedSquad(db, user, squadId)
  const before = decodeCursor(query.cursor)
  const rows = await db
    .select()
    .from(taskExecutions)
    .where(and(eq(taskExecutions.squadId, squadId), before ? lt(taskExecutions.id, before) : undefined))
    .orderBy(desc(taskExecutions.id))
    .limit(query.limit + 1)
  const positions = new Map<string, number | null>()
  for (const row of rows) if (row.status === 'queued') positions.set(row.id, await queuePosition(db, row))
  return toPage(rows, query.limit, (row) => toExecutionDto(row, positions.get(row.id) ?? null))
}
