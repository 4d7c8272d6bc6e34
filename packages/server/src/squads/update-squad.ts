import type { Squad, SquadConfigPatch, UpdateSquadBody } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { squads } from '../db/schema.ts'
import { appendEvent } from '../events/append-event.ts'
import { findOwnedSquad } from './find-owned-squad.ts'
import { toSquadDto } from './squad-dto.ts'

/**
 * Config is merged key by key, so a client can change one setting without resending all; a key
 * sent as null is removed, which puts that setting back on the server's default.
 */
function mergeConfig(current: Record<string, unknown>, patch: SquadConfigPatch): Record<string, unknown> {
  const next = { ...current }
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key]
    else if (value !== undefined) next[key] = value
  }
  return next
}

export async function updateSquad(options: {
  db: Db
  user: AuthUser
  squadId: string
  input: UpdateSquadBody
}): Promise<Squad> {
  const { db, user, squadId, input } = options
  return db.transaction(async (tx) => {
    const current = await findOwnedSquad(tx, user, squadId, { lock: true })
    const [row] = await tx
      .update(squads)
      .set({
        name: input.name ?? current.name,
        description: input.description ?? current.description,
        status: input.status ?? current.status,
        config: input.config ? mergeConfig(current.config, input.config) : current.config,
        updatedAt: new Date(),
      })
      .where(eq(squads.id, squadId))
      .returning()
    if (!row) throw new Error('update returned no row')
    const squad = toSquadDto(row)
    await appendEvent(tx, { type: 'squad.updated', squadId, payload: squad })
    return squad
  })
}
