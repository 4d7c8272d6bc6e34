import { and, eq } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { pullRequests } from '../db/schema.ts'
import type { PullRequestRow } from './pull-request-dto.ts'

/** The open pull request of `head` in a repository (there is at most one), or null. */
export async function findOpenPullRequest(
  db: Executor,
  repositoryId: string,
  head: string,
): Promise<PullRequestRow | null> {
  const [row] = await db
    .select()
    .from(pullRequests)
    .where(
      and(
        eq(pullRequests.repositoryId, repositoryId),
        eq(pullRequests.head, head),
        eq(pullRequests.state, 'open'),
      ),
    )
  return row ?? null
}
