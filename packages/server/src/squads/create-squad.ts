import type { CreateSquadBody, Squad } from '@agent-squad/contract'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { squads } from '../db/schema.ts'
import { newId } from '../domain/ids.ts'
import { appendEvent } from '../events/append-event.ts'
import { toSquadDto } from './squad-dto.ts'

export async function createSquad(options: {
  db: Db
  user: AuthUser
  input: CreateSquadBody
}): Promise<Squad> {
  const { db, user, input } = options
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(squads)
      .values({
        id: newId(),
        userId: user.id,
        name: input.name,
        description: input.description,
        config: input.config,
      })
      .returning()
    if (!row) throw new Error('insert returned no row')
    const squad = toSquadDto(row)
    await appendEvent(tx, { type: 'squad.created', squadId: squad.id, payload: squad })
    return squad
  })
}
