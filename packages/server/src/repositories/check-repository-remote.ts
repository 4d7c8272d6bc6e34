import type { RepositoryCheck } from '@agent-squad/contract'
import { and, eq, inArray } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { secrets } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import type { Forge, RepoRef } from '../forge/forge.ts'

/** The forge of a repository by its kind (server.ts picks the adapter). */
export type ForgeFor = (repo: RepoRef) => Forge

/** The squad secrets a repository authenticates with, by the request field that names each. */
function namedSecrets(repo: RepoRef): { path: string; name: string }[] {
  const named: { path: string; name: string }[] = []
  if (repo.credentialSecret) named.push({ path: 'credential_secret', name: repo.credentialSecret })
  const auth = repo.github?.auth
  if (auth?.kind === 'token') named.push({ path: 'github.auth.secret', name: auth.secret })
  if (auth?.kind === 'app')
    named.push({ path: 'github.auth.private_key_secret', name: auth.private_key_secret })
  return named
}

/**
 * What a remote repository's check finds, before the repository is saved (created or changed): the
 * squad secrets it names exist, and its forge reaches it with them and finds its default branch.
 * A local repository needs no check (null). Throws a 422 `validation_failed` that says what is
 * wrong; nothing is written then.
 */
export async function checkRepositoryRemote(options: {
  db: Executor
  forgeFor: ForgeFor
  repo: RepoRef
}): Promise<RepositoryCheck | null> {
  const { db, repo } = options
  if (repo.kind === 'local') return null
  const named = namedSecrets(repo)
  if (named.length > 0) {
    const found = await db
      .select({ name: secrets.name })
      .from(secrets)
      .where(
        and(
          eq(secrets.squadId, repo.squadId),
          inArray(
            secrets.name,
            named.map((n) => n.name),
          ),
        ),
      )
    const missing = named.filter((n) => !found.some((row) => row.name === n.name))
    if (missing.length > 0) {
      const issues = missing.map((n) => ({
        path: n.path,
        message: `the squad has no secret named ${n.name}: store it first (PUT /api/v1/squads/${repo.squadId}/secrets/${n.name})`,
        code: 'custom',
      }))
      throw new AppError(
        'validation_failed',
        `Invalid request body: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        { details: { problem: 'credential', issues } },
      )
    }
  }
  const forge = options.forgeFor(repo)
  return forge.checkRepository ? forge.checkRepository(repo) : null
}
