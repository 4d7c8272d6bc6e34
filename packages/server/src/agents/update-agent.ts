import type { Agent, UpdateAgentBody } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { squadMembers } from '../db/schema.ts'
import { appendEvent } from '../events/append-event.ts'
import { toAgentDto } from './agent-dto.ts'
import { findOwnedAgent } from './find-owned-agent.ts'

export async function updateAgent(options: {
  db: Db
  user: AuthUser
  agentId: string
  input: UpdateAgentBody
}): Promise<Agent> {
  const { db, user, agentId, input } = options
  return db.transaction(async (tx) => {
    const current = await findOwnedAgent(tx, user, agentId, { lock: true })
    const [row] = await tx
      .update(squadMembers)
      .set({
        name: input.name ?? current.name,
        role: input.role ?? current.role,
        specialization: input.specialization ?? current.specialization,
        llmProvider: input.llm_provider ?? current.llmProvider,
        llmModel: input.llm_model ?? current.llmModel,
        systemPrompt: input.system_prompt ?? current.systemPrompt,
        // Merged key by key, as squads do, so a client can change one setting without resending all.
        config: input.config ? { ...current.config, ...input.config } : current.config,
        isActive: input.is_active ?? current.isActive,
        updatedAt: new Date(),
      })
      .where(eq(squadMembers.id, agentId))
      .returning()
    if (!row) throw new Error('update returned no row')
    const agent = toAgentDto(row)
    await appendEvent(tx, { type: 'agent.updated', squadId: agent.squad_id, payload: agent })
    return agent
  })
}
