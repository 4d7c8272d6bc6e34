import type { ListQuery, Page, Repository } from '@agent-squad/contract'
import { and, asc, eq, gt } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { decodeCursor, toPage } from '../db/pagination.ts'
import { repositories } from '../db/schema.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { toRepositoryDto } from './repository-dto.ts'

/** A squad's repositories in creation (id) order. */
export async function listRepositories(options: {
  db: Executor
  user: AuthUser
  squadId: string
  query: ListQuery
  gitBaseUrl: string
}): Promise<Page<Repository>> {
  const { db, user, squadId, query, gitBaseUrl } = options
  await findOwnedSquad(db, user, squadId)
  const after = decodeCursor(query.cursor)
  const rows = await db
    .select()
    .from(repositories)
    .where(and(eq(repositories.squadId, squadId), after ? gt(repositories.id, after) : undefined))
    .orderBy(asc(repositories.id))
    .limit(query.limit + 1)
  return toPage(rows, query.limit, (row) => toRepositoryDto(row, gitBaseUrl))
}
