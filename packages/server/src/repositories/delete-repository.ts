import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { repositories } from '../db/schema.ts'
import { appendEvent } from '../events/append-event.ts'
import { findOwnedRepository } from './find-owned-repository.ts'

/**
 * Forgets a repository. Tasks that pointed at it keep existing with `repository_id` null (the foreign
 * key is ON DELETE SET NULL). Nothing on a forge is deleted: the record is all this server owns.
 */
export async function deleteRepository(options: {
  db: Db
  user: AuthUser
  repositoryId: string
}): Promise<void> {
  const { db, user, repositoryId } = options
  await db.transaction(async (tx) => {
    const repository = await findOwnedRepository(tx, user, repositoryId, { lock: true })
    await tx.delete(repositories).where(eq(repositories.id, repositoryId))
    await appendEvent(tx, {
      type: 'repository.deleted',
      squadId: repository.squadId,
      payload: { id: repositoryId },
    })
  })
}
