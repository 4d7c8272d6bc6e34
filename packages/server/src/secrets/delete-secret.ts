import { and, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { secrets } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'

/** Forgets a squad's secret; a name the squad has no secret under answers 404. */
export async function deleteSecret(options: {
  db: Db
  user: AuthUser
  squadId: string
  name: string
}): Promise<void> {
  const { db, user, squadId, name } = options
  await db.transaction(async (tx) => {
    await findOwnedSquad(tx, user, squadId, { lock: true })
    const deleted = await tx
      .delete(secrets)
      .where(and(eq(secrets.squadId, squadId), eq(secrets.name, name)))
      .returning({ id: secrets.id })
    if (deleted.length === 0) throw notFound('Secret', name)
  })
}
