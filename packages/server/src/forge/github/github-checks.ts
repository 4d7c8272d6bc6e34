import type { CheckRunInput } from '../forge.ts'
import type { GitHubRepo } from './github-auth.ts'
import type { GitHubClient } from './github-client.ts'

/** The summary with a link to the task's Work page, unless it already has one. */
export const summaryWithLink = (check: Pick<CheckRunInput, 'summary' | 'detailsUrl'>) =>
  check.detailsUrl && !check.summary.includes(check.detailsUrl)
    ? `${check.summary}\n\n[Follow the run on its Work page](${check.detailsUrl})`
    : check.summary

/** A commit status's state for a check run's status and conclusion. */
export const statusStateOf = (check: Pick<CheckRunInput, 'status' | 'conclusion'>) =>
  check.status !== 'completed'
    ? 'pending'
    : check.conclusion === 'success' || check.conclusion === 'neutral'
      ? 'success'
      : check.conclusion === 'failure' || check.conclusion === 'action_required'
        ? 'failure'
        : 'error'

/**
 * Shows a run on the head commit. With a GitHub App: a check run, created (no id) then updated by
 * its id. A personal access token may not write check runs (GitHub keeps them to Apps), so it
 * sets a commit status with the check's name as its context instead; its id is `status:<sha>`.
 */
export async function reportGitHubCheck(input: {
  api: GitHubClient
  repo: GitHubRepo
  check: CheckRunInput & { id?: string | null }
  now: () => number
}): Promise<{ id: string }> {
  const { api, repo, check } = input
  const where = { owner: repo.owner, repo: repo.name }
  const summary = summaryWithLink(check)
  if (repo.auth.kind === 'token') {
    await api.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
      ...where,
      sha: check.headSha,
      state: statusStateOf(check),
      context: check.name,
      // GitHub takes 140 characters; whole ones (an emoji is two UTF-16 units).
      description: Array.from(check.title).slice(0, 140).join(''),
      ...(check.detailsUrl ? { target_url: check.detailsUrl } : {}),
    })
    return { id: `status:${check.headSha}` }
  }
  const body = {
    name: check.name,
    status: check.status,
    output: { title: check.title, summary },
    ...(check.detailsUrl ? { details_url: check.detailsUrl } : {}),
    ...(check.status === 'completed'
      ? { conclusion: check.conclusion ?? 'neutral', completed_at: new Date(input.now()).toISOString() }
      : {}),
  }
  if (check.id && !check.id.startsWith('status:')) {
    const { data } = await api.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...where,
      check_run_id: Number(check.id),
      ...body,
    })
    return { id: String(data.id) }
  }
  const { data } = await api.request('POST /repos/{owner}/{repo}/check-runs', {
    ...where,
    head_sha: check.headSha,
    ...(check.status === 'in_progress' ? { started_at: new Date(input.now()).toISOString() } : {}),
    ...body,
  })
  return { id: String(data.id) }
}
