import type { PullRequestDiff } from '@agent-squad/contract'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import type { LocalForge } from '../forge/local/local-forge.ts'
import { pullRange } from '../forge/local/pull-range.ts'
import { readDiff } from '../forge/local/read-diff.ts'
import { findOwnedPullRequest } from './find-owned-pull-request.ts'

/** The pull request's changes, computed from git (`git diff base...head`) each time it is asked. */
export async function readPullRequestDiff(options: {
  db: Executor
  forge: LocalForge
  user: AuthUser
  repositoryId: string
  number: number
  maxBytes?: number
}): Promise<PullRequestDiff> {
  const { db, forge, user, repositoryId, number } = options
  const { pullRequest, repository } = await findOwnedPullRequest(db, user, repositoryId, number)
  const gitDir = forge.repoPath(repository)
  const range = await pullRange(gitDir, pullRequest)
  return readDiff(gitDir, { ...range, base: pullRequest.base, head: pullRequest.head }, options.maxBytes)
}
