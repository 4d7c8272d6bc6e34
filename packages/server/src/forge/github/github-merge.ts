import { AppError, conflict } from '../../domain/errors.ts'
import type { MergeRequest, MergeResult, PullRequestOnForge } from '../forge.ts'
import type { GitHubRepo } from './github-auth.ts'
import type { GitHubClient } from './github-client.ts'
import { statusOf } from './github-errors.ts'
import { type GitHubPull, stateOf } from './github-pull-requests.ts'

const methods = ['merge', 'squash', 'rebase'] as const

/**
 * Merges a pull request through GitHub: a merge commit, or (when the repository allows only those)
 * a squash or a rebase, in that order. An already merged pull request answers `already-merged`;
 * GitHub's 405 (not mergeable: conflicts, failing required checks, a draft) and 409 (the head moved)
 * become conflict AppErrors saying so. The caller records the merge (the pull request's row).
 */
export async function mergeGitHubPull(input: {
  api: GitHubClient
  repo: GitHubRepo
  pr: PullRequestOnForge
  request: MergeRequest
}): Promise<MergeResult> {
  const { api, repo, request } = input
  const number = input.pr.number
  const where = { owner: repo.owner, repo: repo.name, pull_number: number }
  const { data } = await api.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', where)
  const pull = data as GitHubPull
  if (pull.merged_at) return { method: 'already-merged', commit: pull.merge_commit_sha ?? '' }
  if (pull.state !== 'open')
    throw conflict(`Pull request #${number} is closed: reopen it on GitHub to merge it`)
  for (const method of methods) {
    try {
      const { data: merged } = await api.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', {
        ...where,
        merge_method: method,
        sha: pull.head.sha,
        ...(request.commitMessage ? { commit_message: request.commitMessage } : {}),
      })
      return { method: method === 'rebase' ? 'fast-forward' : 'merge-commit', commit: merged.sha }
    } catch (error) {
      const status = statusOf(error)
      const message = error instanceof Error ? error.message : ''
      if (status === 405 && /not allowed/i.test(message)) continue
      if (status === 405)
        throw conflict(
          `GitHub cannot merge pull request #${number} (${stateOf(pull)}): it has conflicts with ${pull.base.ref}, required checks or reviews are missing, or it is a draft`,
          { github: message },
        )
      if (status === 409)
        throw conflict(
          `The head of pull request #${number} moved while merging: review the new commits and merge again`,
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
