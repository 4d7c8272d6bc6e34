import type { PullRequestDiff } from '@agent-squad/contract'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { AppError } from '../domain/errors.ts'
import type { Forge, RepoRef } from '../forge/forge.ts'
import { repoRefOf } from '../repositories/repo-ref.ts'
import { findOwnedPullRequest } from './find-owned-pull-request.ts'
import { pullRequestOnForge } from './pull-request-dto.ts'

/** The pull request's changes, read from its repository's forge each time they are asked for. */
export async function readPullRequestDiff(options: {
  db: Executor
  forgeFor: (repo: RepoRef) => Forge
  user: AuthUser
  repositoryId: string
  number: number
  maxBytes?: number
}): Promise<PullRequestDiff> {
  const { db, user, repositoryId, number } = options
  const { pullRequest, repository } = await findOwnedPullRequest(db, user, repositoryId, number)
  const repo = repoRefOf(repository)
  const forge = options.forgeFor(repo)
  if (!forge.pullRequestDiff)
    throw new AppError(
      'bad_request',
      `The changes of ${repository.name}'s pull requests are read on its forge`,
    )
  return forge.pullRequestDiff(repo, pullRequestOnForge(pullRequest), {
    ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
  })
}
