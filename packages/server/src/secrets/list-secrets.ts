import type { SecretList } from '@agent-squad/contract'
import { asc, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { secrets } from '../db/schema.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { toSecretDto } from './secret-dto.ts'

/** A squad's secrets by name: names and dates, never values (the ciphertext is not even read). */
export async function listSecrets(options: {
  db: Executor
  user: AuthUser
  squadId: string
}): Promise<SecretList> {
  const { db, user, squadId } = options
  await findOwnedSquad(db, user, squadId)
  const rows = await db
    .select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt })
    .from(secrets)
    .where(eq(secrets.squadId, squadId))
    .orderBy(asc(secrets.name))
  return { items: rows.map(toSecretDto), next_cursor: null }
}
