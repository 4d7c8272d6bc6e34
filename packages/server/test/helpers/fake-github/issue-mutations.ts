import { type Core, HttpError } from './core.ts'
import type { Account, Comment, Issue, Label, Repo, Review, ReviewComment, ReviewState } from './model.ts'
import { type Pull, refreshPull } from './pull-facts.ts'
import { isoNow } from './urls.ts'

// Labels, comments, review requests and reviews, with GitHub's refusals. Shared by the REST handlers
// and the test-facing API (a test plays a human reviewer through these).

/** GitHub's colour for a label created on the fly by add-labels. */
const DEFAULT_COLOR = 'ededed'

export function createLabel(
  core: Core,
  repo: Repo,
  opts: { name: string; color?: string; description?: string },
): Label {
  if (repo.labels.some((l) => l.name.toLowerCase() === opts.name.toLowerCase()))
    throw new HttpError(422, 'Validation Failed', [
      { resource: 'Label', code: 'already_exists', field: 'name' },
    ])
  const label: Label = {
    id: core.state.nextId(),
    name: opts.name,
    color: (opts.color ?? DEFAULT_COLOR).replace(/^#/, ''),
    description: opts.description ?? null,
    default: false,
  }
  repo.labels.push(label)
  return label
}

/** Adds labels to an issue, creating the ones the repository lacks (as GitHub does). */
export function addLabels(core: Core, repo: Repo, issue: Issue, actor: Account, names: string[]) {
  for (const name of names) {
    const label =
      repo.labels.find((l) => l.name.toLowerCase() === name.toLowerCase()) ??
      createLabel(core, repo, { name })
    if (issue.labels.includes(label.name)) continue
    issue.labels.push(label.name)
    const event = 'labeled' as const
    issue.events.push({
      id: core.state.nextId(),
      event,
      actor,
      createdAt: isoNow(),
      label: { name: label.name, color: label.color },
    })
  }
  issue.updatedAt = isoNow()
}

export function removeLabel(core: Core, repo: Repo, issue: Issue, actor: Account, name: string) {
  const index = issue.labels.findIndex((l) => l.toLowerCase() === name.toLowerCase())
  if (index < 0) throw new HttpError(404, 'Label does not exist')
  const [removed = name] = issue.labels.splice(index, 1)
  const color = repo.labels.find((l) => l.name === removed)?.color ?? DEFAULT_COLOR
  issue.events.push({
    id: core.state.nextId(),
    event: 'unlabeled',
    actor,
    createdAt: isoNow(),
    label: { name: removed, color },
  })
}

export function addIssueComment(core: Core, issue: Issue, user: Account, body: string): Comment {
  const now = isoNow()
  const comment: Comment = { id: core.state.nextId(), user, body, createdAt: now, updatedAt: now }
  issue.comments.push(comment)
  issue.updatedAt = now
  return comment
}

/** Requests reviews; 422 for the author, a refused login or anyone without access, like GitHub. */
export function requestReviewers(core: Core, repo: Repo, pull: Pull, actor: Account, logins: string[]) {
  const reviewers: Account[] = []
  for (const login of logins) {
    const user = core.state.user(login)
    if (user && user.id === pull.user.id)
      throw new HttpError(422, 'Review cannot be requested from pull request author.')
    const collaborator =
      user && (user.id === repo.owner.id || repo.collaborators.has(user.login.toLowerCase()))
    if (!user || !collaborator || core.knobs.refusedReviewers.has(login.toLowerCase()))
      throw new HttpError(
        422,
        `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${repo.fullName} repository.`,
      )
    reviewers.push(user)
  }
  for (const user of reviewers) {
    if (pull.pull.requestedReviewers.some((r) => r.id === user.id)) continue
    pull.pull.requestedReviewers.push(user)
    pull.events.push({
      id: core.state.nextId(),
      event: 'review_requested',
      actor,
      createdAt: isoNow(),
      reviewer: user,
    })
  }
  pull.updatedAt = isoNow()
}

export type ReviewInput = {
  state: ReviewState
  body?: string
  commitId?: string
  comments?: { path: string; line: number; body: string; side?: 'LEFT' | 'RIGHT' }[]
}

/** A submitted review (and its line comments); the reviewer's pending request is answered. */
export async function submitReview(core: Core, repo: Repo, pull: Pull, user: Account, input: ReviewInput) {
  await refreshPull(repo, pull)
  if (user.id === pull.user.id && input.state !== 'COMMENTED')
    throw new HttpError(422, 'Unprocessable Entity', [
      input.state === 'APPROVED'
        ? 'Can not approve your own pull request'
        : 'Can not request changes on your own pull request',
    ])
  const now = isoNow()
  const commitId = input.commitId ?? pull.pull.headSha
  const review: Review = {
    id: core.state.nextId(),
    user,
    body: input.body ?? '',
    state: input.state,
    commitId,
    submittedAt: now,
  }
  pull.pull.reviews.push(review)
  const comments: ReviewComment[] = (input.comments ?? []).map((c) => ({
    id: core.state.nextId(),
    reviewId: review.id,
    user,
    body: c.body,
    path: c.path,
    line: c.line,
    side: c.side ?? 'RIGHT',
    commitId,
    createdAt: now,
  }))
  pull.pull.reviewComments.push(...comments)
  pull.pull.requestedReviewers = pull.pull.requestedReviewers.filter((r) => r.id !== user.id)
  pull.updatedAt = now
  return { review, comments }
}
