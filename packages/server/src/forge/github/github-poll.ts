import type { ForgeEvent } from '../forge.ts'
import type { GitHubRepo } from './github-auth.ts'
import { type GitHubClient, isNotModified } from './github-client.ts'

/**
 * Where the poller stopped, per listing: the newest GitHub timestamp it saw (a listing's `since`,
 * GitHub's clock, so ours does not matter) and the listing's ETag. A listing's URL changes only
 * when something new arrived, so an idle poll repeats the same four URLs with If-None-Match and
 * gets four 304s, which GitHub does not count against the rate limit.
 */
export type PollCursor = {
  v: 1
  pulls: Listing
  reviewComments: Listing
  issueComments: Listing
  issueEvents: Listing
}
type Listing = { since: string; etag: string | null }

export function parseCursor(text: string | null, nowIso: string): PollCursor {
  const fresh = (): Listing => ({ since: nowIso, etag: null })
  if (text) {
    try {
      const parsed = JSON.parse(text) as Partial<PollCursor>
      if (
        parsed.v === 1 &&
        parsed.pulls &&
        parsed.reviewComments &&
        parsed.issueComments &&
        parsed.issueEvents
      )
        return parsed as PollCursor
    } catch {}
  }
  // No cursor: what happens from now on (an older review was not meant for a server that was not polling).
  return { v: 1, pulls: fresh(), reviewComments: fresh(), issueComments: fresh(), issueEvents: fresh() }
}

const numberFromUrl = (url: string) => Number(/\/(\d+)$/.exec(url)?.[1] ?? 0)
const reviewState = (state: string): 'changes_requested' | 'commented' | 'approved' | null =>
  state === 'CHANGES_REQUESTED'
    ? 'changes_requested'
    : state === 'COMMENTED'
      ? 'commented'
      : state === 'APPROVED'
        ? 'approved'
        : null
const latest = (a: string, b: string | null | undefined) => (b && b > a ? b : a)

/**
 * One conditional GET of a listing: its items when it changed (and the new ETag), nothing when GitHub
 * answers 304.
 */
async function list<T>(
  api: GitHubClient,
  route: string,
  params: Record<string, unknown>,
  listing: Listing,
): Promise<{ items: T[]; etag: string | null }> {
  try {
    const response = await api.request(route, {
      ...params,
      headers: listing.etag ? { 'if-none-match': listing.etag } : {},
    })
    return { items: response.data as T[], etag: (response.headers.etag as string | undefined) ?? null }
  } catch (error) {
    if (isNotModified(error)) return { items: [], etag: listing.etag }
    throw error
  }
}

type Pull = {
  number: number
  state: string
  updated_at: string
  closed_at: string | null
  merged_at: string | null
  merge_commit_sha: string | null
  head: { ref: string }
}
type Review = {
  id: number
  state: string
  body: string | null
  submitted_at?: string
  user: { login: string } | null
}
type ReviewComment = {
  id: number
  pull_request_review_id: number | null
  pull_request_url: string
  path: string
  line?: number | null
  original_line?: number | null
  body: string
  created_at: string
  user: { login: string } | null
}
type IssueComment = {
  id: number
  issue_url: string
  html_url: string
  body?: string
  created_at: string
  user: { login: string } | null
}
type IssueEvent = {
  id: number
  event: string
  created_at: string
  label?: { name: string }
  actor: { login: string } | null
  issue?: {
    number: number
    title: string
    body?: string | null
    html_url: string
    user: { login: string } | null
    pull_request?: unknown
  }
}

/**
 * What happened on a repository since `cursor`, as the port's ForgeEvents with GitHub's own ids
 * (`github:review:<id>`, …), so the webhook and the poller name one happening alike and a repeated
 * one is recognised. Four listings (pull requests by update, review comments, issue comments,
 * issue events), and the reviews of the pull requests that changed. Overlapping windows are
 * allowed (GitHub's `since` is inclusive): the caller skips ids it has seen.
 */
export async function pollGitHubEvents(input: {
  api: GitHubClient
  repo: GitHubRepo
  cursor: string | null
  now: () => number
}): Promise<{ events: ForgeEvent[]; cursor: string }> {
  const { api, repo } = input
  const where = { owner: repo.owner, repo: repo.name }
  const cursor = parseCursor(input.cursor, new Date(input.now()).toISOString())
  const events: ForgeEvent[] = []

  const [pulls, reviewComments, issueComments, issueEvents] = await Promise.all([
    list<Pull>(
      api,
      'GET /repos/{owner}/{repo}/pulls',
      { ...where, state: 'all', sort: 'updated', direction: 'desc', per_page: 50 },
      cursor.pulls,
    ),
    list<ReviewComment>(
      api,
      'GET /repos/{owner}/{repo}/pulls/comments',
      { ...where, since: cursor.reviewComments.since, sort: 'updated', direction: 'asc', per_page: 100 },
      cursor.reviewComments,
    ),
    list<IssueComment>(
      api,
      'GET /repos/{owner}/{repo}/issues/comments',
      { ...where, since: cursor.issueComments.since, sort: 'updated', direction: 'asc', per_page: 100 },
      cursor.issueComments,
    ),
    list<IssueEvent>(
      api,
      'GET /repos/{owner}/{repo}/issues/events',
      { ...where, per_page: 100 },
      cursor.issueEvents,
    ),
  ])

  const next: PollCursor = {
    v: 1,
    pulls: { since: cursor.pulls.since, etag: pulls.etag },
    reviewComments: { since: cursor.reviewComments.since, etag: reviewComments.etag },
    issueComments: { since: cursor.issueComments.since, etag: issueComments.etag },
    issueEvents: { since: cursor.issueEvents.since, etag: issueEvents.etag },
  }

  // Review comments: into their review when that review is reported now, on their own otherwise.
  const byReview = new Map<number, ReviewComment[]>()
  const newComments = reviewComments.items.filter((c) => c.created_at >= cursor.reviewComments.since)
  for (const comment of newComments) {
    next.reviewComments.since = latest(next.reviewComments.since, comment.created_at)
    const key = comment.pull_request_review_id ?? -comment.id
    byReview.set(key, [...(byReview.get(key) ?? []), comment])
  }

  for (const pull of pulls.items.filter((p) => p.updated_at >= cursor.pulls.since)) {
    next.pulls.since = latest(next.pulls.since, pull.updated_at)
    if (pull.closed_at && pull.closed_at >= cursor.pulls.since)
      events.push({
        kind: 'pull_request_closed',
        id: `github:pull:${pull.number}:closed:${pull.closed_at}`,
        number: pull.number,
        head: pull.head.ref,
        merged: Boolean(pull.merged_at),
        mergeCommit: pull.merged_at ? pull.merge_commit_sha : null,
      })
    const { data: reviews } = await api.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      ...where,
      pull_number: pull.number,
      per_page: 100,
    })
    for (const review of reviews as Review[]) {
      const state = reviewState(review.state)
      if (!state || !review.submitted_at || review.submitted_at < cursor.pulls.since) continue
      const comments = byReview.get(review.id) ?? []
      byReview.delete(review.id)
      events.push({
        kind: 'review',
        id: `github:review:${review.id}`,
        number: pull.number,
        author: review.user?.login ?? '',
        state,
        body: review.body ?? '',
        comments: comments.map((c) => ({
          path: c.path,
          line: c.line ?? c.original_line ?? null,
          body: c.body,
        })),
      })
    }
  }
  for (const comments of byReview.values())
    for (const c of comments)
      events.push({
        kind: 'review_comment',
        id: `github:review-comment:${c.id}`,
        number: numberFromUrl(c.pull_request_url),
        author: c.user?.login ?? '',
        path: c.path,
        line: c.line ?? c.original_line ?? null,
        body: c.body,
      })

  for (const comment of issueComments.items.filter((c) => c.created_at >= cursor.issueComments.since)) {
    next.issueComments.since = latest(next.issueComments.since, comment.created_at)
    events.push({
      kind: 'comment',
      id: `github:comment:${comment.id}`,
      number: numberFromUrl(comment.issue_url),
      author: comment.user?.login ?? '',
      body: comment.body ?? '',
      onPullRequest: /\/pull\/\d+/.test(comment.html_url),
    })
  }

  for (const event of issueEvents.items.filter((e) => e.created_at >= cursor.issueEvents.since)) {
    next.issueEvents.since = latest(next.issueEvents.since, event.created_at)
    const issue = event.issue
    if (event.event !== 'labeled' || !issue || !event.label || issue.pull_request) continue
    events.push({
      kind: 'issue_labeled',
      id: `github:issue-event:${event.id}`,
      number: issue.number,
      label: event.label.name,
      title: issue.title,
      body: issue.body ?? '',
      url: issue.html_url,
      author: event.actor?.login ?? issue.user?.login ?? '',
    })
  }
  return { events, cursor: JSON.stringify(next) }
}
