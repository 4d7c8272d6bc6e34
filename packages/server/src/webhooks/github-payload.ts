import { z } from 'zod'
import { AppError } from '../domain/errors.ts'
import type { ForgeEvent } from '../forge/forge.ts'

/**
 * The one reading of GitHub's webhook payloads: each delivery the workflow acts on becomes the
 * forge port's `ForgeEvent`, exactly what the poller gets from `pollEvents`, so both go through
 * the same use case (workflow/apply-forge-event.ts). Only the fields used are checked, with zod; a
 * payload that lacks one of them is malformed (400). Everything else GitHub sends (pushes, check
 * runs, opened pull requests, edited comments, …) is ignored, without being recorded.
 */
export type GitHubDelivery =
  | { kind: 'ping' }
  | { kind: 'event'; repository: string; event: ForgeEvent }
  | { kind: 'ignored'; reason: string }

const Login = z.object({ login: z.string().min(1) })
const FullName = z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'must be owner/name')
const Repository = z.object({ full_name: FullName })
const PositiveInt = z.number().int().positive()
/** GitHub sends null for an empty body. */
const Text = z
  .string()
  .nullish()
  .transform((v) => v ?? '')

const PullRequestClosed = z.object({
  repository: Repository,
  pull_request: z.object({
    number: PositiveInt,
    merged: z.boolean().nullish(),
    merge_commit_sha: z.string().nullish(),
    head: z.object({ ref: z.string().min(1), repo: Repository.nullish() }),
  }),
})

const ReviewSubmitted = z.object({
  repository: Repository,
  pull_request: z.object({ number: PositiveInt }),
  review: z.object({
    id: z.number().int(),
    user: Login,
    body: Text,
    state: z.string().transform((s) => s.toLowerCase()),
  }),
})

const ReviewCommentCreated = z.object({
  repository: Repository,
  pull_request: z.object({ number: PositiveInt }),
  comment: z.object({
    id: z.number().int(),
    user: Login,
    body: Text,
    path: z.string().min(1),
    line: z.number().int().positive().nullish(),
    original_line: z.number().int().positive().nullish(),
    pull_request_review_id: z.number().int().nullish(),
  }),
})

const IssueCommentCreated = z.object({
  repository: Repository,
  issue: z.object({ number: PositiveInt, pull_request: z.object({}).nullish() }),
  comment: z.object({ id: z.number().int(), user: Login, body: Text }),
})

const IssueLabeled = z.object({
  repository: Repository,
  sender: Login,
  label: z.object({ name: z.string().min(1) }),
  issue: z.object({
    number: PositiveInt,
    title: z.string(),
    body: Text,
    html_url: z.string().min(1),
    pull_request: z.object({}).nullish(),
  }),
})

/** The actions acted on, per event name; any other event or action is ignored. */
const handled: Record<string, string> = {
  pull_request: 'closed',
  pull_request_review: 'submitted',
  pull_request_review_comment: 'created',
  issue_comment: 'created',
  issues: 'labeled',
}

function parse<T extends z.ZodType>(schema: T, payload: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(payload)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue?.path.length ? issue.path.join('.') : '(payload)'
  throw new AppError('bad_request', `Malformed ${what} payload: ${where}: ${issue?.message ?? 'invalid'}`, {
    details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
  })
}

/** `owner/name` of the delivery's repository, read before the signature is checked (to find its secrets). */
export function repositoryOf(payload: unknown): string | null {
  const parsed = z.object({ repository: Repository }).safeParse(payload)
  return parsed.success ? parsed.data.repository.full_name : null
}

/**
 * Maps one delivery to what the workflow acts on. `id` becomes the event's id: the delivery id
 * (`X-GitHub-Delivery`), which a redelivery repeats.
 */
export function readGitHubDelivery(name: string, id: string, payload: unknown): GitHubDelivery {
  if (name === 'ping') return { kind: 'ping' }
  if (!(name in handled)) return { kind: 'ignored', reason: `event ${name} is not acted on` }
  const { action } = parse(z.object({ action: z.string() }), payload, name)
  if (action !== handled[name]) return { kind: 'ignored', reason: `${name}.${action} is not acted on` }
  const what = `${name}.${handled[name]}`
  switch (name) {
    case 'pull_request': {
      const p = parse(PullRequestClosed, payload, what)
      const pr = p.pull_request
      // A fork's branch is not the squad's, whatever it is called: it must not find task-{n}.
      const ownHead =
        !pr.head.repo || pr.head.repo.full_name.toLowerCase() === p.repository.full_name.toLowerCase()
      return {
        kind: 'event',
        repository: p.repository.full_name,
        event: {
          kind: 'pull_request_closed',
          id,
          number: pr.number,
          head: ownHead ? pr.head.ref : `${pr.head.repo?.full_name}:${pr.head.ref}`,
          merged: pr.merged === true,
          mergeCommit: pr.merge_commit_sha ?? null,
        },
      }
    }
    case 'pull_request_review': {
      const p = parse(ReviewSubmitted, payload, what)
      const state = p.review.state
      if (state !== 'changes_requested' && state !== 'commented' && state !== 'approved')
        return { kind: 'ignored', reason: `review state ${state} is not acted on` }
      return {
        kind: 'event',
        repository: p.repository.full_name,
        event: {
          kind: 'review',
          id,
          number: p.pull_request.number,
          author: p.review.user.login,
          state,
          body: p.review.body,
          // Not in the payload: each comes as a pull_request_review_comment delivery of its own.
          comments: [],
          reviewId: String(p.review.id),
        },
      }
    }
    case 'pull_request_review_comment': {
      const p = parse(ReviewCommentCreated, payload, what)
      const c = p.comment
      return {
        kind: 'event',
        repository: p.repository.full_name,
        event: {
          kind: 'review_comment',
          id,
          number: p.pull_request.number,
          author: c.user.login,
          path: c.path,
          line: c.line ?? c.original_line ?? null,
          body: c.body,
          reviewId: c.pull_request_review_id == null ? null : String(c.pull_request_review_id),
        },
      }
    }
    case 'issue_comment': {
      const p = parse(IssueCommentCreated, payload, what)
      return {
        kind: 'event',
        repository: p.repository.full_name,
        event: {
          kind: 'comment',
          id,
          number: p.issue.number,
          author: p.comment.user.login,
          body: p.comment.body,
          onPullRequest: p.issue.pull_request != null,
        },
      }
    }
    default: {
      const p = parse(IssueLabeled, payload, what)
      if (p.issue.pull_request != null)
        return { kind: 'ignored', reason: 'a pull request was labeled, not an issue' }
      return {
        kind: 'event',
        repository: p.repository.full_name,
        event: {
          kind: 'issue_labeled',
          id,
          number: p.issue.number,
          label: p.label.name,
          title: p.issue.title,
          body: p.issue.body,
          url: p.issue.html_url,
          author: p.sender.login,
        },
      }
    }
  }
}
