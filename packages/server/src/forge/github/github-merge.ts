import { AppError, conflict } from '../../domain/errors.ts'
import type { MergeRequest, MergeResult, RepoRef } from '../forge.ts'
import type { GitHubRepo } from './github-auth.ts'
import type { GitHubClient } from './github-client.ts'
import { statusOf } from './github-errors.ts'
import { type GitHubPull, stateOf } from './github-pull-requests.ts'
import type { PullRequestMirror } from './pull-request-mirror.ts'

const methods = ['merge', 'squash', 'rebase'] as const

/**
 * Merges a pull request through GitHub: a merge commit, or (when the repository allows only those)
 * a squash or a rebase, in that order. An already merged pull request answers `already-merged`;
 * GitHub's 405 (not mergeable: conflicts, failing required checks, a draft) and 409 (the head moved)
 * become conflict AppErrors saying so. The mirror records the merge.
 */
export async function mergeGitHubPull(input: {
  api: GitHubClient
  repo: GitHubRepo
  ref: RepoRef
  mirror: PullRequestMirror
  request: MergeRequest
}): Promise<MergeResult> {
  const { api, repo, request } = input
  const where = { owner: repo.owner, repo: repo.name, pull_number: request.number }
  const { data } = await api.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', where)
  const pull = data as GitHubPull
  if (pull.merged_at) return { method: 'already-merged', commit: pull.merge_commit_sha ?? '' }
  if (pull.state !== 'open')
    throw conflict(`Pull request #${request.number} is closed: reopen it on GitHub to merge it`)
  for (const method of methods) {
    try {
      const { data: merged } = await api.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', {
        ...where,
        merge_method: method,
        sha: pull.head.sha,
        ...(request.commitMessage ? { commit_message: request.commitMessage } : {}),
      })
      await input.mirror.save({
        repo: input.ref,
        number: pull.number,
        htmlUrl: pull.html_url,
        title: pull.title,
        body: pull.body ?? '',
        head: pull.head.ref,
        base: pull.base.ref,
        state: 'merged',
        labels: (pull.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
        reviewers: (pull.requested_reviewers ?? []).flatMap((r) => (r ? [r.login] : [])),
        taskId: null,
        executionId: null,
        mergeCommit: merged.sha,
      })
      return { method: method === 'rebase' ? 'fast-forward' : 'merge-commit', commit: merged.sha }
    } catch (error) {
      const status = statusOf(error)
      const message = error instanceof Error ? error.message : ''
      if (status === 405 && /not allowed/i.test(message)) continue
      if (status === 405)
        throw conflict(
          `GitHub cannot merge pull request #${request.number} (${stateOf(pull)}): it has conflicts with ${pull.base.ref}, required checks or reviews are missing, or it is a draft`,
          { github: message },
        )
      if (status === 409)
        throw conflict(
          `The head of pull request #${request.number} moved while merging: review the new commits and merge again`,
          {
            github: message,
          },
        )
      throw error
    }
  }
  throw new AppError(
    'conflict',
    `${repo.owner}/${repo.name} allows no merge method (merge, squash or rebase)`,
  )
}
