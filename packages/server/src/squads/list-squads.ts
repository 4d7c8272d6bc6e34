import type { ListQuery, Page, Squad } from '@agent-squad/contract'
import { and, asc, eq, gt } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { decodeCursor, toPage } from '../db/pagination.ts'
import { squads } from '../db/schema.ts'
import { toSquadDto } from './squad-dto.ts'

export async function listSquads(options: {
  db: Executor
  user: AuthUser
  query: ListQuery
}): Promise<Page<Squad>> {
  const { db, user, query } = options
  const after = decodeCursor(query.cursor)
  const rows = await db
    .select()
    .from(squads)
    .where(and(eq(squads.userId, user.id), after ? gt(squads.id, after) : undefined))
    .orderBy(asc(squads.id))
    .limit(query.limit + 1)
  return toPage(rows, query.limit, toSquadDto)
}
