import { type Handlers, HttpError, num, str } from '../core.ts'
import { addIssueComment, addLabels, createLabel, removeLabel } from '../issue-mutations.ts'
import { findIssue } from '../pull-facts.ts'
import { issue, issueComment, issueEvent, issueLabels, label } from '../serialize-issue.ts'
import { actorOf } from './pulls.ts'

// Issues (pull requests included, as on GitHub), their labels, comments and events.

/** add-labels takes `{ labels: [...] }`, a bare array, or label objects with a name. */
function labelNames(body: unknown): string[] {
  const raw = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null
      ? (body as { labels?: unknown }).labels
      : undefined
  const list = Array.isArray(raw) ? raw : []
  return list
    .map((item) =>
      typeof item === 'object' && item !== null ? str((item as { name?: unknown }).name) : str(item),
    )
    .filter(Boolean)
}

export const issueHandlers: Handlers = {
  'issues/get': (ctx) => {
    const { repo } = ctx.repo()
    return { status: 200, body: issue(ctx.core.urls, repo, findIssue(repo, num(ctx.path.issue_number))) }
  },
  'issues/list-for-repo': (ctx) => {
    const { repo } = ctx.repo()
    const state = str(ctx.query.state) || 'open'
    const wanted = str(ctx.query.labels).split(',').filter(Boolean)
    const found = repo.issues
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((name) => i.labels.includes(name)))
      .sort((a, b) => (str(ctx.query.direction) === 'asc' ? a.number - b.number : b.number - a.number))
    return { status: 200, list: found.map((i) => issue(ctx.core.urls, repo, i)) }
  },
  'issues/list-comments': (ctx) => {
    const { repo } = ctx.repo()
    const owner = findIssue(repo, num(ctx.path.issue_number))
    const since = str(ctx.query.since)
    const comments = owner.comments.filter((c) => !since || c.updatedAt >= since)
    return { status: 200, list: comments.map((c) => issueComment(ctx.core.urls, repo, owner, c)) }
  },
  'issues/create-comment': (ctx) => {
    const { repo } = ctx.repo()
    const owner = findIssue(repo, num(ctx.path.issue_number))
    const comment = addIssueComment(ctx.core, owner, actorOf(ctx), str(ctx.body.body))
    const body = issueComment(ctx.core.urls, repo, owner, comment)
    return { status: 201, body, headers: { location: str(body.url) } }
  },
  'issues/list-events': (ctx) => {
    const { repo } = ctx.repo()
    const owner = findIssue(repo, num(ctx.path.issue_number))
    return { status: 200, list: owner.events.map((e) => issueEvent(ctx.core.urls, repo, e)) }
  },
  'issues/list-labels-on-issue': (ctx) => {
    const { repo } = ctx.repo()
    return {
      status: 200,
      list: issueLabels(ctx.core.urls, repo, findIssue(repo, num(ctx.path.issue_number))),
    }
  },
  'issues/add-labels': (ctx) => {
    const { repo } = ctx.repo()
    const owner = findIssue(repo, num(ctx.path.issue_number))
    const names = labelNames(ctx.rawBody)
    if (names.length === 0)
      throw new HttpError(422, 'Validation Failed', [
        { resource: 'Label', field: 'labels', code: 'missing_field' },
      ])
    addLabels(ctx.core, repo, owner, actorOf(ctx), names)
    return { status: 200, body: issueLabels(ctx.core.urls, repo, owner) }
  },
  'issues/remove-label': (ctx) => {
    const { repo } = ctx.repo()
    const owner = findIssue(repo, num(ctx.path.issue_number))
    removeLabel(ctx.core, repo, owner, actorOf(ctx), str(ctx.path.name))
    return { status: 200, body: issueLabels(ctx.core.urls, repo, owner) }
  },
  'issues/create-label': (ctx) => {
    const { repo } = ctx.repo()
    const created = createLabel(ctx.core, repo, {
      name: str(ctx.body.name),
      ...(typeof ctx.body.color === 'string' ? { color: ctx.body.color } : {}),
      ...(typeof ctx.body.description === 'string' ? { description: ctx.body.description } : {}),
    })
    const body = label(ctx.core.urls, repo, created)
    return { status: 201, body, headers: { location: str(body.url) } }
  },
}
