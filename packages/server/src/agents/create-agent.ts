import type { Agent, CreateAgentBody } from '@agent-squad/contract'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { squadMembers } from '../db/schema.ts'
import { newId } from '../domain/ids.ts'
import { appendEvent } from '../events/append-event.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { toAgentDto } from './agent-dto.ts'

/** Adds a member to one of the user's squads. */
export async function createAgent(options: {
  db: Db
  user: AuthUser
  squadId: string
  input: CreateAgentBody
}): Promise<Agent> {
  const { db, user, squadId, input } = options
  return db.transaction(async (tx) => {
    // The squad lock keeps a concurrent squad delete from turning this insert into an FK error (500).
    await findOwnedSquad(tx, user, squadId, { lock: true })
    const [row] = await tx
      .insert(squadMembers)
      .values({
        id: newId(),
        squadId,
        name: input.name,
        role: input.role,
        specialization: input.specialization,
        llmProvider: input.llm_provider,
        llmModel: input.llm_model,
        systemPrompt: input.system_prompt,
        config: input.config,
        isActive: input.is_active,
      })
      .returning()
    if (!row) throw new Error('insert returned no row')
    const agent = toAgentDto(row)
    await appendEvent(tx, { type: 'agent.created', squadId, payload: agent })
    return agent
  })
}
