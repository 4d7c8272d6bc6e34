import { and, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { squadMembers, squads } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'
import type { AgentRow } from './agent-dto.ts'

/**
 * The agent if it belongs to one of `user`'s squads; anything else is a 404, like a missing id.
 * `lock` takes the agent's row lock so read-modify-write updates (config merge) cannot lose changes.
 */
export async function findOwnedAgent(
  db: Executor,
  user: AuthUser,
  agentId: string,
  options: { lock?: boolean } = {},
): Promise<AgentRow> {
  const query = db
    .select({ agent: squadMembers })
    .from(squadMembers)
    .innerJoin(squads, eq(squads.id, squadMembers.squadId))
    .where(and(eq(squadMembers.id, agentId), eq(squads.userId, user.id)))
  const [row] = options.lock ? await query.for('update', { of: squadMembers }) : await query
  if (!row) throw notFound('Agent', agentId)
  return row.agent
}
