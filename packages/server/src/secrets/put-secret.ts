import type { PutSecretBody, Secret } from '@agent-squad/contract'
import { and, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { secrets } from '../db/schema.ts'
import { newId } from '../domain/ids.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import type { SecretBox } from './secret-box.ts'
import { secretContext, toSecretDto } from './secret-dto.ts'
import { checkSecretName } from './secret-name.ts'

/**
 * Stores a squad's secret under `name`, encrypted, or replaces the value of the one already there.
 * `created` tells the two apart. No event: a secret's change is nothing a board shows.
 */
export async function putSecret(options: {
  db: Db
  box: SecretBox
  user: AuthUser
  squadId: string
  name: string
  input: PutSecretBody
}): Promise<{ secret: Secret; created: boolean }> {
  const { db, box, user, squadId, input } = options
  const name = checkSecretName(options.name)
  return db.transaction(async (tx) => {
    // The squad lock serialises writes to its secrets (and keeps a squad delete from racing the insert).
    await findOwnedSquad(tx, user, squadId, { lock: true })
    const ciphertext = box.encrypt(input.value, secretContext(squadId, name))
    const [updated] = await tx
      .update(secrets)
      .set({ ciphertext, updatedAt: new Date() })
      .where(and(eq(secrets.squadId, squadId), eq(secrets.name, name)))
      .returning()
    if (updated) return { secret: toSecretDto(updated), created: false }
    const [row] = await tx.insert(secrets).values({ id: newId(), squadId, name, ciphertext }).returning()
    if (!row) throw new Error('insert returned no row')
    return { secret: toSecretDto(row), created: true }
  })
}
