import type { CreateRepositoryBody, Repository } from '@agent-squad/contract'
import { and, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { repositories } from '../db/schema.ts'
import { AppError, conflict } from '../domain/errors.ts'
import { newId } from '../domain/ids.ts'
import { appendEvent } from '../events/append-event.ts'
import type { Forge, RepoRef } from '../forge/forge.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { checkRepositoryRemote, type ForgeFor } from './check-repository-remote.ts'
import { localPathProblem } from './local-path-problem.ts'
import { ownForgeProblem, type ServerAddresses } from './own-forge-problem.ts'
import { toRepositoryDto } from './repository-dto.ts'
import { isUniqueViolation } from './unique-violation.ts'

/**
 * `{ name }` records a repository on the built-in local forge (and makes its empty bare repository);
 * `{ name, url, credential_secret? }` connects any git remote and `{ name, github }` a GitHub one,
 * each checked by its forge first (it answers with the credential and has the default branch; a
 * remote's own default branch when none is given): a failed check answers 422 and writes nothing.
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
  /** The forge of a remote or GitHub repository, which checks it before it is saved. */
  forgeFor?: ForgeFor
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
  // Only the squad's owner may make the server reach out with the squad's secrets.
  await findOwnedSquad(db, user, squadId)
  // A taken name answers 409 before the remote is asked (the unique index below still decides).
  const [taken] = await db
    .select({ id: repositories.id })
    .from(repositories)
    .where(and(eq(repositories.squadId, squadId), eq(repositories.name, input.name)))
  if (taken) throw conflict(`This squad already has a repository named "${input.name}"`, { name: input.name })
  const kind = input.url !== undefined ? 'remote' : input.github !== undefined ? 'github' : 'local'
  const ref: RepoRef = {
    id: newId(),
    squadId,
    name: input.name,
    kind,
    url: input.url ?? null,
    // Empty asks the check for the remote's own default branch.
    defaultBranch: input.default_branch ?? (kind === 'local' ? 'main' : ''),
    credentialSecret: input.credential_secret ?? null,
    github: input.github
      ? { repo: input.github.repo, auth: input.github.auth, baseUrl: input.github.base_url ?? null }
      : null,
  }
  const check =
    kind === 'local' || !options.forgeFor
      ? null
      : await checkRepositoryRemote({ db, forgeFor: options.forgeFor, repo: ref })
  const defaultBranch = check?.default_branch ?? (ref.defaultBranch || 'main')
  try {
    const repository = await db.transaction(async (tx) => {
      // The squad lock keeps a concurrent squad delete from turning this insert into an FK error (500).
      await findOwnedSquad(tx, user, squadId, { lock: true })
      const [row] = await tx
        .insert(repositories)
        .values({
          id: ref.id,
          squadId,
          name: input.name,
          kind,
          url: input.url ?? null,
          defaultBranch,
          credentialSecret: ref.credentialSecret,
          github: input.github
            ? { repo: input.github.repo, auth: input.github.auth, base_url: input.github.base_url ?? null }
            : null,
          lastCheck: check,
        })
        .returning()
      if (!row) throw new Error('insert returned no row')
      const repository = toRepositoryDto(row, gitBaseUrl)
      await appendEvent(tx, { type: 'repository.created', squadId, payload: repository })
      return repository
    })
    if (repository.kind === 'local')
      await options.localForge?.ensureRepository({ ...ref, defaultBranch: repository.default_branch })
    return repository
  } catch (error) {
    // The unique index decides, not a prior SELECT, so two concurrent creates cannot both pass.
    if (isUniqueViolation(error, 'repositories_squad_name_idx'))
      throw conflict(`This squad already has a repository named "${input.name}"`, { name: input.name })
    throw error
  }
}
