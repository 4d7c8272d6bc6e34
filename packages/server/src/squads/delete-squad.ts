import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { squads } from '../db/schema.ts'
import { appendEvent } from '../events/append-event.ts'
import { findOwnedSquad } from './find-owned-squad.ts'

/** Deletes the squad with its agents, repositories and tasks; its event log stays for the record. */
export async function deleteSquad(options: { db: Db; user: AuthUser; squadId: string }): Promise<void> {
  const { db, user, squadId } = options
  await db.transaction(async (tx) => {
    await findOwnedSquad(tx, user, squadId, { lock: true })
    await tx.delete(squads).where(eq(squads.id, squadId))
    await appendEvent(tx, { type: 'squad.deleted', squadId, payload: { id: squadId } })
  })
}
