import type { Repository, UpdateRepositoryBody } from '@agent-squad/contract'
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

const invalid = (path: string, message: string) =>
  new AppError('validation_failed', `Invalid request body: ${path}: ${message}`, {
    details: { issues: [{ path, message, code: 'custom' }] },
  })

/**
 * Changes what may change after creation (name, URL and GitHub repository are the identity): the
 * default branch, a remote's credential secret, a GitHub repository's authentication. A remote or
 * GitHub repository is checked again with the new settings before they are saved (422 otherwise).
 */
export async function updateRepository(options: {
  db: Db
  user: AuthUser
  repositoryId: string
  input: UpdateRepositoryBody
  gitBaseUrl: string
  forgeFor?: ForgeFor
}): Promise<Repository> {
  const { db, user, repositoryId, input, gitBaseUrl } = options
  const current = await findOwnedRepository(db, user, repositoryId)
  if (input.credential_secret !== undefined && current.kind !== 'remote')
    throw invalid('credential_secret', 'only a repository connected by url takes a credential secret')
  if (input.github_auth !== undefined && current.kind !== 'github')
    throw invalid('github_auth', 'only a GitHub repository takes github_auth')
  const next = {
    ...repoRefOf(current),
    defaultBranch: input.default_branch ?? current.defaultBranch,
    credentialSecret:
      input.credential_secret === undefined ? current.credentialSecret : input.credential_secret,
    github:
      current.github && input.github_auth
        ? { repo: current.github.repo, auth: input.github_auth, baseUrl: current.github.base_url }
        : repoRefOf(current).github,
  }
  const check =
    current.kind === 'local' || !options.forgeFor
      ? null
      : await checkRepositoryRemote({ db, forgeFor: options.forgeFor, repo: next })
  return db.transaction(async (tx) => {
    await findOwnedRepository(tx, user, repositoryId, { lock: true })
    const [row] = await tx
      .update(repositories)
      .set({
        defaultBranch: next.defaultBranch,
        credentialSecret: next.credentialSecret,
        github: next.github
          ? { repo: next.github.repo, auth: next.github.auth, base_url: next.github.baseUrl }
          : null,
        ...(check ? { lastCheck: check } : {}),
        updatedAt: new Date(),
      })
      .where(eq(repositories.id, repositoryId))
      .returning()
    if (!row) throw new Error('update returned no row')
    const repository = toRepositoryDto(row, gitBaseUrl)
    await appendEvent(tx, { type: 'repository.updated', squadId: row.squadId, payload: repository })
    return repository
  })
}
