import type { Repository } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { repositories } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import { appendEvent } from '../events/append-event.ts'
import { checkRepositoryRemote, type ForgeFor } from './check-repository-remote.ts'
import { findOwnedRepository } from './find-owned-repository.ts'
import { repoRefOf } from './repo-ref.ts'
import { toRepositoryDto } from './repository-dto.ts'

/**
 * Checks a remote or GitHub repository again (its credential may have expired, its branch been
 * renamed) and records what the check found. A failed check answers 422 with the reason and leaves
 * the last good check in place.
 */
export async function recheckRepository(options: {
  db: Db
  user: AuthUser
  repositoryId: string
  gitBaseUrl: string
  forgeFor: ForgeFor
}): Promise<Repository> {
  const { db, user, repositoryId, gitBaseUrl } = options
  const current = await findOwnedRepository(db, user, repositoryId)
  if (current.kind === 'local')
    throw new AppError(
      'validation_failed',
      'A repository on the local forge has no remote to check: only one connected by url or on GitHub has',
    )
  const check = await checkRepositoryRemote({ db, forgeFor: options.forgeFor, repo: repoRefOf(current) })
  if (!check) return toRepositoryDto(current, gitBaseUrl)
  return db.transaction(async (tx) => {
    await findOwnedRepository(tx, user, repositoryId, { lock: true })
    const [row] = await tx
      .update(repositories)
      .set({ lastCheck: check, updatedAt: new Date() })
      .where(eq(repositories.id, repositoryId))
      .returning()
    if (!row) throw new Error('update returned no row')
    const repository = toRepositoryDto(row, gitBaseUrl)
    await appendEvent(tx, { type: 'repository.updated', squadId: row.squadId, payload: repository })
    return repository
  })
}
