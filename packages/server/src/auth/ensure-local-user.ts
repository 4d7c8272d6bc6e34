import { eq } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { users } from '../db/schema.ts'
import type { AuthUser } from './auth-user.ts'

/** Fixed id, so the implicit user owns the same squads across restarts and data-folder copies. */
export const LOCAL_USER_ID = '00000000-0000-7000-8000-000000000001'

/** The single implicit user of a server that only listens on loopback with authentication off. */
export async function ensureLocalUser(db: Executor): Promise<AuthUser> {
  await db
    .insert(users)
    .values({ id: LOCAL_USER_ID, name: 'local', isAdmin: true, isLocal: true })
    .onConflictDoNothing()
  const [row] = await db.select().from(users).where(eq(users.id, LOCAL_USER_ID))
  if (!row) throw new Error('local user could not be created')
  return { id: row.id, name: row.name, isAdmin: row.isAdmin }
}
