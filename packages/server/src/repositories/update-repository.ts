import type { Repository, UpdateRepositoryBody } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { repositories } from '../db/schema.ts'
import { appendEvent } from '../events/append-event.ts'
import { findOwnedRepository } from './find-owned-repository.ts'
import { toRepositoryDto } from './repository-dto.ts'

/** Changes what may change after creation: the default branch (name and URL are the identity). */
export async function updateRepository(options: {
  db: Db
  user: AuthUser
  repositoryId: string
  input: UpdateRepositoryBody
  gitBaseUrl: string
}): Promise<Repository> {
  const { db, user, repositoryId, input, gitBaseUrl } = options
  return db.transaction(async (tx) => {
    const current = await findOwnedRepository(tx, user, repositoryId, { lock: true })
    const [row] = await tx
      .update(repositories)
      .set({ defaultBranch: input.default_branch ?? current.defaultBranch, updatedAt: new Date() })
      .where(eq(repositories.id, repositoryId))
      .returning()
    if (!row) throw new Error('update returned no row')
    const repository = toRepositoryDto(row, gitBaseUrl)
    await appendEvent(tx, { type: 'repository.updated', squadId: row.squadId, payload: repository })
    return repository
  })
}
