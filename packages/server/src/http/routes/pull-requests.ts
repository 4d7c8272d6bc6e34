import {
  Id,
  MergePullRequestBody,
  PullRequest,
  PullRequestCommits,
  PullRequestDiff,
  PullRequestListQuery,
  PullRequestMerge,
  page,
  UpdatePullRequestBody,
} from '@agent-squad/contract'
import { z } from 'zod'
import { findOwnedPullRequest } from '../../pull-requests/find-owned-pull-request.ts'
import { listPullRequestCommits } from '../../pull-requests/list-pull-request-commits.ts'
import { listPullRequests } from '../../pull-requests/list-pull-requests.ts'
import { mergePullRequest } from '../../pull-requests/merge-pull-request.ts'
import { toPullRequestDto } from '../../pull-requests/pull-request-dto.ts'
import { readPullRequestDiff } from '../../pull-requests/read-pull-request-diff.ts'
import { updatePullRequest } from '../../pull-requests/update-pull-request.ts'
import { defineRoute } from '../route.ts'

const RepositoryParams = z.object({ id: Id })
const PullParams = z.object({ id: Id, number: z.coerce.number().int().min(1).max(2_147_483_647) })
const tag = 'pull requests'

export const pullRequestRoutes = [
  defineRoute({
    method: 'get',
    path: '/repositories/:id/pulls',
    tag,
    summary: "List a repository's pull requests, newest first",
    description:
      'Pull requests of the repository: on the built-in local forge, or mirrored from GitHub (their `url` is the GitHub page). `state` keeps one state only.',
    params: RepositoryParams,
    query: PullRequestListQuery,
    response: page(PullRequest),
    handler: ({ deps, user, params, query }) =>
      listPullRequests({
        db: deps.database.db,
        user,
        repositoryId: params.id,
        query,
        baseUrl: deps.localForge.baseUrl(),
      }),
  }),
  defineRoute({
    method: 'get',
    path: '/repositories/:id/pulls/:number',
    tag,
    summary: 'Get a pull request',
    params: PullParams,
    response: PullRequest,
    handler: async ({ deps, user, params }) => {
      const { pullRequest } = await findOwnedPullRequest(deps.database.db, user, params.id, params.number)
      return toPullRequestDto(pullRequest, deps.localForge.baseUrl())
    },
  }),
  defineRoute({
    method: 'get',
    path: '/repositories/:id/pulls/:number/commits',
    tag,
    summary: "A pull request's commits (git log base..head), oldest first",
    params: PullParams,
    response: PullRequestCommits,
    handler: ({ deps, user, params }) =>
      listPullRequestCommits({
        db: deps.database.db,
        forgeFor: deps.forgeFor,
        user,
        repositoryId: params.id,
        number: params.number,
      }),
  }),
  defineRoute({
    method: 'get',
    path: '/repositories/:id/pulls/:number/diff',
    tag,
    summary: "A pull request's changes (git diff base...head)",
    description:
      'A per-file summary (status, additions, deletions) and the unified patch. The patch is cut at ' +
      '`max_bytes` on a line boundary, with `truncated: true`; the file list is always complete.',
    params: PullParams,
    response: PullRequestDiff,
    handler: ({ deps, user, params }) =>
      readPullRequestDiff({
        db: deps.database.db,
        forgeFor: deps.forgeFor,
        user,
        repositoryId: params.id,
        number: params.number,
      }),
  }),
  defineRoute({
    method: 'post',
    path: '/repositories/:id/pulls/:number/merge',
    tag,
    summary: 'Merge a pull request',
    description:
      'On the local forge: fast-forwards the base when the head descends from it, else writes a merge ' +
      'commit. On GitHub: merges through its API (a merge commit, or squash or rebase when only those ' +
      'are allowed). Conflicts answer 409 (on the local forge with `details.conflicts`, the paths). ' +
      'The linked task moves to `done`.',
    params: PullParams,
    body: MergePullRequestBody,
    bodyOptional: true,
    response: PullRequestMerge,
    handler: ({ deps, user, params, body }) =>
      mergePullRequest({
        db: deps.database.db,
        forgeFor: deps.forgeFor,
        baseUrl: deps.localForge.baseUrl(),
        user,
        repositoryId: params.id,
        number: params.number,
        input: body,
      }),
  }),
  defineRoute({
    method: 'patch',
    path: '/repositories/:id/pulls/:number',
    tag,
    summary: 'Close or reopen a pull request, or change its title and body',
    params: PullParams,
    body: UpdatePullRequestBody,
    response: PullRequest,
    handler: ({ deps, user, params, body }) =>
      updatePullRequest({
        db: deps.database.db,
        user,
        repositoryId: params.id,
        number: params.number,
        input: body,
        baseUrl: deps.localForge.baseUrl(),
      }),
  }),
]
