import type { Execution, ListQuery, Page } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { taskExecutions } from '../db/schema.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { pageOfExecutions } from './execution-page.ts'

/** A squad's executions across its tasks, newest first (what `squad execution list` shows). */
export async function listSquadExecutions(options: {
  db: Executor
  user: AuthUser
  squadId: string
  query: ListQuery
}): Promise<Page<Execution>> {
  const { db, user, squadId, query } = options
  await findOwnedSquad(db, user, squadId)
  return pageOfExecutions(db, eq(taskExecutions.squadId, squadId), query)
}
