import { and, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { repositories, squads } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'
import type { RepositoryRow } from './repository-dto.ts'

/** The repository if it belongs to one of `user`'s squads; anything else is a 404, like a missing id. */
export async function findOwnedRepository(
  db: Executor,
  user: AuthUser,
  repositoryId: string,
  options: { lock?: boolean } = {},
): Promise<RepositoryRow> {
  const query = db
    .select({ repository: repositories })
    .from(repositories)
    .innerJoin(squads, eq(squads.id, repositories.squadId))
    .where(and(eq(repositories.id, repositoryId), eq(squads.userId, user.id)))
  const [row] = options.lock ? await query.for('update', { of: repositories }) : await query
  if (!row) throw notFound('Repository', repositoryId)
  return row.repository
}
