import type { PullRequestCommits } from '@agent-squad/contract'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { AppError } from '../domain/errors.ts'
import type { Forge, RepoRef } from '../forge/forge.ts'
import { repoRefOf } from '../repositories/repo-ref.ts'
import { findOwnedPullRequest } from './find-owned-pull-request.ts'
import { pullRequestOnForge } from './pull-request-dto.ts'

/** The pull request's commits, oldest first, from its repository's forge. */
export async function listPullRequestCommits(options: {
  db: Executor
  forgeFor: (repo: RepoRef) => Forge
  user: AuthUser
  repositoryId: string
  number: number
}): Promise<PullRequestCommits> {
  const { db, user, repositoryId, number } = options
  const { pullRequest, repository } = await findOwnedPullRequest(db, user, repositoryId, number)
  const repo = repoRefOf(repository)
  const forge = options.forgeFor(repo)
  if (!forge.pullRequestCommits)
    throw new AppError(
      'bad_request',
      `The commits of ${repository.name}'s pull requests are read on its forge`,
    )
  return forge.pullRequestCommits(repo, pullRequestOnForge(pullRequest))
}
