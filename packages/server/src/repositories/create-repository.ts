import type { CreateRepositoryBody, Repository } from '@agent-squad/contract'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { repositories } from '../db/schema.ts'
import { AppError, conflict } from '../domain/errors.ts'
import { newId } from '../domain/ids.ts'
import { appendEvent } from '../events/append-event.ts'
import type { Forge } from '../forge/forge.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { localPathProblem } from './local-path-problem.ts'
import { ownForgeProblem, type ServerAddresses } from './own-forge-problem.ts'
import { toRepositoryDto } from './repository-dto.ts'
import { isUniqueViolation } from './unique-violation.ts'

/**
 * `{ name }` records a repository on the built-in local forge; `{ name, url }` connects a remote one.
 * Only the record is created here: the local forge's bare repository and git server come later.
 */
export async function createRepository(options: {
  db: Db
  user: AuthUser
  squadId: string
  input: CreateRepositoryBody
  /** The server's public base URL, from which local clone URLs are built. */
  gitBaseUrl: string
  /** SQUAD_LOCAL_REPO_ROOTS: the only folders a file:// URL may point into. */
  localRepoRoots: readonly string[]
  /** The local forge, which makes the (empty) bare repository behind a local record. */
  localForge?: Pick<Forge, 'ensureRepository'>
  /** Where this server is reached: a URL pointing back at its own forge is refused. */
  server?: ServerAddresses
}): Promise<Repository> {
  const { db, user, squadId, input, gitBaseUrl, localRepoRoots } = options
  const problem =
    input.url === undefined
      ? null
      : (localPathProblem(input.url, localRepoRoots) ??
        (options.server ? await ownForgeProblem(input.url, options.server) : null))
  if (problem) {
    const message = `repository URL ${problem}`
    throw new AppError('validation_failed', `Invalid request body: url: ${message}`, {
      details: { issues: [{ path: 'url', message, code: 'custom' }] },
    })
  }
  try {
    const repository = await db.transaction(async (tx) => {
      // The squad lock keeps a concurrent squad delete from turning this insert into an FK error (500).
      await findOwnedSquad(tx, user, squadId, { lock: true })
      const [row] = await tx
        .insert(repositories)
        .values({
          id: newId(),
          squadId,
          name: input.name,
          kind: input.url === undefined ? 'local' : 'remote',
          url: input.url ?? null,
          defaultBranch: input.default_branch,
        })
        .returning()
      if (!row) throw new Error('insert returned no row')
      const repository = toRepositoryDto(row, gitBaseUrl)
      await appendEvent(tx, { type: 'repository.created', squadId, payload: repository })
      return repository
    })
    if (repository.kind === 'local')
      await options.localForge?.ensureRepository({
        id: repository.id,
        squadId,
        name: repository.name,
        kind: 'local',
        url: null,
        defaultBranch: repository.default_branch,
        credentialSecret: null,
        github: null,
      })
    return repository
  } catch (error) {
    // The unique index decides, not a prior SELECT, so two concurrent creates cannot both pass.
    if (isUniqueViolation(error, 'repositories_squad_name_idx'))
      throw conflict(`This squad already has a repository named "${input.name}"`, { name: input.name })
    throw error
  }
}
