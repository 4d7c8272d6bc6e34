import type { ForgeEvent } from '../forge.ts'
import type { GitHubRepo } from './github-auth.ts'
import { type GitHubClient, isNotModified } from './github-client.ts'

/**
 * Where the poller stopped, per listing: the newest GitHub timestamp it saw (a listing's `since`,
 * GitHub's clock, so ours does not matter) and the listing's ETag. A listing's URL changes only
 * when something new arrived, so an idle poll repeats the same two URLs with If-None-Match and
 * gets two 304s, which GitHub does not count against the rate limit.
 */
export type PollCursor = { v: 2; pulls: Listing; issues: Listing }
type Listing = { since: string; etag: string | null }

export function parseCursor(text: string | null, nowIso: string): PollCursor {
  const fresh = (): Listing => ({ since: nowIso, etag: null })
  if (text) {
    try {
      const parsed = JSON.parse(text) as Partial<PollCursor>
      if (parsed.v === 2 && parsed.pulls && parsed.issues) return parsed as PollCursor
    } catch {}
  }
  // No cursor: what happens from now on (an older review was not meant for a server that was not polling).
  return { v: 2, pulls: fresh(), issues: fresh() }
}

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
export type ReviewComment = {
  id: number
  pull_request_review_id: number | null
  path: string
  line?: number | null
  original_line?: number | null
  body: string
  created_at: string
  user: { login: string } | null
}
type IssueComment = { id: number; body?: string; created_at: string; user: { login: string } | null }
type Issue = {
  number: number
  title: string
  body?: string | null
  html_url: string
  updated_at: string
  comments: number
  user: { login: string } | null
  labels: ({ name?: string } | string)[]
  pull_request?: unknown
}

export const lineOf = (c: ReviewComment) => c.line ?? c.original_line ?? null

/**
 * What happened on a repository since `cursor`, as the port's ForgeEvents with GitHub's own ids
 * (`github:review:<id>`, `github:comment:<id>`, …), so the webhook and the poller name one happening
 * alike and a repeated one is recognised. Two conditional listings (pull requests by update, issues
 * and pull requests updated since), then, only for what changed: a pull request's reviews and
 * review comments, an issue's or pull request's comments. Windows may overlap (GitHub's `since` is
 * inclusive): the caller skips ids it has seen. An issue's labels are reported as
 * `github:issue:<n>:label:<name>`, once per issue and label whatever the poll that saw it.
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

  const [pulls, issues] = await Promise.all([
    list<Pull>(
      api,
      'GET /repos/{owner}/{repo}/pulls',
      { ...where, state: 'all', sort: 'updated', direction: 'desc', per_page: 50 },
      cursor.pulls,
    ),
    list<Issue>(
      api,
      'GET /repos/{owner}/{repo}/issues',
      {
        ...where,
        state: 'all',
        since: cursor.issues.since,
        sort: 'updated',
        direction: 'asc',
        per_page: 100,
      },
      cursor.issues,
    ),
  ])
  const next: PollCursor = {
    v: 2,
    pulls: { since: cursor.pulls.since, etag: pulls.etag },
    issues: { since: cursor.issues.since, etag: issues.etag },
  }

  for (const pull of pulls.items.filter((p) => p.updated_at >= cursor.pulls.since)) {
    const since = cursor.pulls.since
    next.pulls.since = latest(next.pulls.since, pull.updated_at)
    if (pull.closed_at && pull.closed_at >= since)
      events.push({
        kind: 'pull_request_closed',
        id: `github:pull:${pull.number}:closed:${pull.closed_at}`,
        number: pull.number,
        head: pull.head.ref,
        merged: Boolean(pull.merged_at),
        mergeCommit: pull.merged_at ? pull.merge_commit_sha : null,
      })
    const numbered = { ...where, pull_number: pull.number, per_page: 100 }
    const [{ data: reviews }, { data: comments }] = await Promise.all([
      api.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', numbered),
      api.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', { ...numbered, since }),
    ])
    // A review's inline comments travel with it; the rest (replies in a thread) on their own.
    const byReview = new Map<number, ReviewComment[]>()
    const loose: ReviewComment[] = []
    for (const comment of comments as ReviewComment[]) {
      if (comment.created_at < since) continue
      if (comment.pull_request_review_id === null) loose.push(comment)
      else
        byReview.set(comment.pull_request_review_id, [
          ...(byReview.get(comment.pull_request_review_id) ?? []),
          comment,
        ])
    }
    for (const review of reviews as Review[]) {
      const state = reviewState(review.state)
      const inline = byReview.get(review.id) ?? []
      byReview.delete(review.id)
      if (!state || !review.submitted_at || review.submitted_at < since) {
        loose.push(...inline)
        continue
      }
      events.push({
        kind: 'review',
        id: `github:review:${review.id}`,
        number: pull.number,
        author: review.user?.login ?? '',
        state,
        body: review.body ?? '',
        comments: inline.map((c) => ({ path: c.path, line: lineOf(c), body: c.body })),
      })
    }
    for (const c of [...loose, ...[...byReview.values()].flat()])
      events.push({
        kind: 'review_comment',
        id: `github:review-comment:${c.id}`,
        number: pull.number,
        author: c.user?.login ?? '',
        path: c.path,
        line: lineOf(c),
        body: c.body,
      })
  }

  for (const issue of issues.items.filter((i) => i.updated_at >= cursor.issues.since)) {
    const since = cursor.issues.since
    next.issues.since = latest(next.issues.since, issue.updated_at)
    const onPullRequest = issue.pull_request !== undefined && issue.pull_request !== null
    if (!onPullRequest)
      for (const label of issue.labels) {
        const name = typeof label === 'string' ? label : label.name
        if (name)
          events.push({
            kind: 'issue_labeled',
            id: `github:issue:${issue.number}:label:${name}`,
            number: issue.number,
            label: name,
            title: issue.title,
            body: issue.body ?? '',
            url: issue.html_url,
            author: issue.user?.login ?? '',
          })
      }
    if (!issue.comments) continue
    const { data: comments } = await api.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...where,
      issue_number: issue.number,
      since,
      per_page: 100,
    })
    for (const comment of comments as IssueComment[])
      if (comment.created_at >= since)
        events.push({
          kind: 'comment',
          id: `github:comment:${comment.id}`,
          number: issue.number,
          author: comment.user?.login ?? '',
          body: comment.body ?? '',
          onPullRequest,
        })
  }
  return { events, cursor: JSON.stringify(next) }
}
