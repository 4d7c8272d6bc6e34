import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { squadMembers } from '../db/schema.ts'
import { appendEvent } from '../events/append-event.ts'
import { findOwnedAgent } from './find-owned-agent.ts'

/**
 * Removes an agent from its squad. Its tasks become unassigned and its past executions stay, with
 * `agent_id` null: both foreign keys are ON DELETE SET NULL, so the database does it.
 */
export async function deleteAgent(options: { db: Db; user: AuthUser; agentId: string }): Promise<void> {
  const { db, user, agentId } = options
  await db.transaction(async (tx) => {
    const agent = await findOwnedAgent(tx, user, agentId, { lock: true })
    await tx.delete(squadMembers).where(eq(squadMembers.id, agentId))
    await appendEvent(tx, { type: 'agent.deleted', squadId: agent.squadId, payload: { id: agentId } })
  })
}
