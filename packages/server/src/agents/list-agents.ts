import type { Agent, AgentListQuery, Page } from '@agent-squad/contract'
import { and, asc, eq, gt } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { decodeCursor, toPage } from '../db/pagination.ts'
import { squadMembers } from '../db/schema.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { toAgentDto } from './agent-dto.ts'

/** A squad's agents in creation (id) order, optionally filtered by role and active flag. */
export async function listAgents(options: {
  db: Executor
  user: AuthUser
  squadId: string
  query: AgentListQuery
}): Promise<Page<Agent>> {
  const { db, user, squadId, query } = options
  await findOwnedSquad(db, user, squadId)
  const after = decodeCursor(query.cursor)
  const rows = await db
    .select()
    .from(squadMembers)
    .where(
      and(
        eq(squadMembers.squadId, squadId),
        query.role !== undefined ? eq(squadMembers.role, query.role) : undefined,
        query.is_active !== undefined ? eq(squadMembers.isActive, query.is_active) : undefined,
        after ? gt(squadMembers.id, after) : undefined,
      ),
    )
    .orderBy(asc(squadMembers.id))
    .limit(query.limit + 1)
  return toPage(rows, query.limit, toAgentDto)
}
