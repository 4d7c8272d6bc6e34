import type { Page, PullRequest, PullRequestListQuery } from '@agent-squad/contract'
import { and, desc, eq, lt } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { decodeCursor, toPage } from '../db/pagination.ts'
import { pullRequests } from '../db/schema.ts'
import { findOwnedRepository } from '../repositories/find-owned-repository.ts'
import { toPullRequestDto } from './pull-request-dto.ts'

/** A repository's pull requests, newest first, optionally in one state. */
export async function listPullRequests(options: {
  db: Executor
  user: AuthUser
  repositoryId: string
  query: PullRequestListQuery
  baseUrl: string
}): Promise<Page<PullRequest>> {
  const { db, user, repositoryId, query, baseUrl } = options
  await findOwnedRepository(db, user, repositoryId)
  const before = decodeCursor(query.cursor)
  const rows = await db
    .select()
    .from(pullRequests)
    .where(
      and(
        eq(pullRequests.repositoryId, repositoryId),
        query.state ? eq(pullRequests.state, query.state) : undefined,
        before ? lt(pullRequests.id, before) : undefined,
      ),
    )
    .orderBy(desc(pullRequests.id))
    .limit(query.limit + 1)
  return toPage(rows, query.limit, (row) => toPullRequestDto(row, baseUrl))
}
