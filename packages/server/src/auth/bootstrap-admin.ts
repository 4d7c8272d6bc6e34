import { eq } from 'drizzle-orm'
import type { Db } from '../db/database.ts'
import { users } from '../db/schema.ts'
import { createToken } from './create-token.ts'
import { createUser } from './create-user.ts'

/**
 * On the first start of a server that requires tokens, creates the admin user and its token.
 * Returns the plain token (to print once) or null when users already exist.
 */
export async function bootstrapAdmin(db: Db): Promise<string | null> {
  return db.transaction(async (tx) => {
    const existing = await tx
      .select({ id: users.id })
      .from(users)
      .where(eq(users.isLocal, false))
      .limit(1)
      .for('update')
    if (existing.length > 0) return null
    const admin = await createUser({ db: tx, input: { name: 'admin', is_admin: true } })
    const created = await createToken({
      db: tx,
      actor: { id: admin.id, name: admin.name, isAdmin: true },
      input: { name: 'bootstrap' },
    })
    return created.token
  })
}
