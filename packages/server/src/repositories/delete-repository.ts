import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { repositories, tasks } from '../db/schema.ts'
import { appendEvents } from '../events/append-event.ts'
import { toTaskDto } from '../tasks/task-dto.ts'
import { findOwnedRepository } from './find-owned-repository.ts'

/**
 * Forgets a repository. Tasks that pointed at it keep existing with `repository_id` null, each with a
 * `task.updated`. Nothing on a forge is deleted: the record is all this server owns.
 */
export async function deleteRepository(options: {
  db: Db
  user: AuthUser
  repositoryId: string
}): Promise<void> {
  const { db, user, repositoryId } = options
  await db.transaction(async (tx) => {
    const repository = await findOwnedRepository(tx, user, repositoryId, { lock: true })
    // Detach here rather than leave it to ON DELETE SET NULL, so each task's change reaches the board.
    const detached = await tx
      .update(tasks)
      .set({ repositoryId: null, updatedAt: new Date() })
      .where(eq(tasks.repositoryId, repositoryId))
      .returning()
    await tx.delete(repositories).where(eq(repositories.id, repositoryId))
    await appendEvents(tx, [
      ...detached.map((row) => ({
        type: 'task.updated' as const,
        squadId: repository.squadId,
        taskId: row.id,
        payload: toTaskDto(row),
      })),
      { type: 'repository.deleted', squadId: repository.squadId, payload: { id: repositoryId } },
    ])
  })
}
