import { and, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { pullRequests, repositories, squads } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'
import type { RepositoryRow } from '../repositories/repository-dto.ts'
import type { PullRequestRow } from './pull-request-dto.ts'

/**
 * Pull request `number` of a repository in one of `user`'s squads, with its repository. Anything
 * else (no such repository, someone else's, no such number) is the same 404. `lock` takes the pull
 * request's row lock.
 */
export async function findOwnedPullRequest(
  db: Executor,
  user: AuthUser,
  repositoryId: string,
  number: number,
  options: { lock?: boolean } = {},
): Promise<{ pullRequest: PullRequestRow; repository: RepositoryRow }> {
  const query = db
    .select({ pullRequest: pullRequests, repository: repositories })
    .from(pullRequests)
    .innerJoin(repositories, eq(repositories.id, pullRequests.repositoryId))
    .innerJoin(squads, eq(squads.id, repositories.squadId))
    .where(
      and(
        eq(pullRequests.repositoryId, repositoryId),
        eq(pullRequests.number, number),
        eq(squads.userId, user.id),
      ),
    )
  const [row] = options.lock ? await query.for('update', { of: pullRequests }) : await query
  if (!row) throw notFound(`Pull request #${number} of repository`, repositoryId)
  return row
}
