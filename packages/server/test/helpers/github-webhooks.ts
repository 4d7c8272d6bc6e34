import { randomUUID } from 'node:crypto'
import { sign } from '@octokit/webhooks-methods'

/**
 * Minimal GitHub webhook payloads: only what the server reads, shaped as GitHub sends them (see
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads), for the cases the fake GitHub
 * does not model (issues that are not pull requests, forks, bots, a review's comments delivered
 * before the review, hand-made malformed ones). Complete, schema-checked payloads come from the
 * fake's builders (test/helpers/fake-github/, used by github-webhook-fake.test.ts).
 */
const user = (login: string) => ({ login, id: login.length, type: login.endsWith('[bot]') ? 'Bot' : 'User' })
const repository = (fullName: string) => ({
  id: 1,
  full_name: fullName,
  name: fullName.split('/')[1],
  owner: user(fullName.split('/')[0] ?? 'octo'),
})

export const payloads = {
  ping: (repo: string) => ({ zen: 'Keep it logically awesome.', hook_id: 1, repository: repository(repo) }),
  pullRequestClosed: (
    repo: string,
    o: { number: number; head: string; merged: boolean; sender?: string },
  ) => ({
    action: 'closed',
    number: o.number,
    pull_request: {
      number: o.number,
      state: 'closed',
      merged: o.merged,
      merge_commit_sha: o.merged ? 'a'.repeat(40) : null,
      head: { ref: o.head, sha: 'b'.repeat(40), repo: repository(repo) },
      base: { ref: 'main', sha: 'c'.repeat(40), repo: repository(repo) },
      user: user('agent-squad[bot]'),
    },
    repository: repository(repo),
    sender: user(o.sender ?? 'alice'),
  }),
  reviewSubmitted: (
    repo: string,
    o: { number: number; reviewId: number; login: string; state: string; body?: string | null },
  ) => ({
    action: 'submitted',
    review: { id: o.reviewId, user: user(o.login), body: o.body ?? null, state: o.state },
    pull_request: { number: o.number, head: { ref: 'task-1' } },
    repository: repository(repo),
    sender: user(o.login),
  }),
  reviewComment: (
    repo: string,
    o: {
      number: number
      id: number
      reviewId: number | null
      login: string
      path: string
      line: number
      body: string
    },
  ) => ({
    action: 'created',
    comment: {
      id: o.id,
      pull_request_review_id: o.reviewId,
      user: user(o.login),
      path: o.path,
      line: o.line,
      original_line: o.line,
      body: o.body,
    },
    pull_request: { number: o.number },
    repository: repository(repo),
    sender: user(o.login),
  }),
  issueComment: (
    repo: string,
    o: { number: number; login: string; body: string; onPullRequest?: boolean },
  ) => ({
    action: 'created',
    issue: {
      number: o.number,
      title: 'x',
      ...(o.onPullRequest === false
        ? {}
        : { pull_request: { url: `https://api.github.com/repos/${repo}/pulls/${o.number}` } }),
    },
    comment: { id: Math.floor(Math.random() * 1e9), user: user(o.login), body: o.body },
    repository: repository(repo),
    sender: user(o.login),
  }),
  issueLabeled: (
    repo: string,
    o: { number: number; label: string; title: string; body: string; login?: string },
  ) => ({
    action: 'labeled',
    label: { name: o.label },
    issue: {
      number: o.number,
      title: o.title,
      body: o.body,
      html_url: `https://github.com/${repo}/issues/${o.number}`,
      labels: [{ name: o.label }],
    },
    repository: repository(repo),
    sender: user(o.login ?? 'alice'),
  }),
}

export type Delivery = {
  event: string
  payload: unknown
  secret: string
  id?: string
  raw?: string
  signature?: string
}

/** POSTs a delivery as GitHub does: the exact bytes, signed with `secret`, with GitHub's headers. */
export async function deliver(baseUrl: string, d: Delivery) {
  const body = d.raw ?? JSON.stringify(d.payload)
  const id = d.id ?? randomUUID()
  const res = await fetch(`${baseUrl}/api/v1/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/test',
      'x-github-event': d.event,
      'x-github-delivery': id,
      'x-hub-signature-256': d.signature ?? (await sign(d.secret, body)),
    },
    body,
  })
  const text = await res.text()
  let json: unknown = text
  try {
    json = JSON.parse(text)
  } catch {}
  return { status: res.status, json: json as Record<string, unknown>, id }
}
