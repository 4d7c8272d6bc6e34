import type { PullRequestCommits } from '@agent-squad/contract'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import type { LocalForge } from '../forge/local/local-forge.ts'
import { pullRange } from '../forge/local/pull-range.ts'
import { readCommits } from '../forge/local/read-commits.ts'
import { findOwnedPullRequest } from './find-owned-pull-request.ts'

/** The pull request's commits (`git log base..head`), oldest first. */
export async function listPullRequestCommits(options: {
  db: Executor
  forge: LocalForge
  user: AuthUser
  repositoryId: string
  number: number
}): Promise<PullRequestCommits> {
  const { db, forge, user, repositoryId, number } = options
  const { pullRequest, repository } = await findOwnedPullRequest(db, user, repositoryId, number)
  const gitDir = forge.repoPath(repository)
  return readCommits(gitDir, await pullRange(gitDir, pullRequest))
}
