import type { GitHubRepo } from './github-auth.ts'
import type { GitHubClient } from './github-client.ts'
import { lineOf, type ReviewComment } from './github-poll.ts'

/**
 * The inline comments of one review (a webhook's `pull_request_review` carries the review without
 * them). Read from the pull request's review comments, one page of 100 per request, kept in the
 * order they were written.
 */
export async function listReviewComments(input: {
  api: GitHubClient
  repo: GitHubRepo
  number: number
  reviewId: string
}): Promise<{ path: string; line: number | null; body: string }[]> {
  const { api, repo, number, reviewId } = input
  const found: ReviewComment[] = []
  for (let page = 1; page <= 10; page++) {
    const { data } = await api.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
      owner: repo.owner,
      repo: repo.name,
      pull_number: number,
      per_page: 100,
      page,
    })
    const comments = data as ReviewComment[]
    found.push(...comments.filter((c) => String(c.pull_request_review_id) === reviewId))
    if (comments.length < 100) break
  }
  return found
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id)
    .map((c) => ({ path: c.path, line: lineOf(c), body: c.body }))
}
