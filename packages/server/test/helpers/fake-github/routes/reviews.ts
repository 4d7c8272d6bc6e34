import { type Handlers, HttpError, num, str } from '../core.ts'
import { changedFiles, commitsBetween } from '../git-store.ts'
import { requestReviewers, submitReview } from '../issue-mutations.ts'
import type { ReviewState } from '../model.ts'
import { findPull, pullFacts, refreshPull } from '../pull-facts.ts'
import { simpleUser } from '../serialize-account.ts'
import { commit, diffEntry, pullSimple, review, reviewComment } from '../serialize-pull.ts'
import { actorOf } from './pulls.ts'

// A pull request's commits, files, reviewers, reviews and review comments.

const EVENTS: Record<string, ReviewState> = {
  APPROVE: 'APPROVED',
  REQUEST_CHANGES: 'CHANGES_REQUESTED',
  COMMENT: 'COMMENTED',
}

export const reviewHandlers: Handlers = {
  'pulls/list-commits': async (ctx) => {
    const { repo } = ctx.repo()
    const pull = findPull(repo, num(ctx.path.pull_number))
    await refreshPull(repo, pull)
    const commits = await commitsBetween(repo.dir, pull.pull.baseSha, pull.pull.headSha)
    const byEmail = (email: string) => ctx.core.state.userByEmail(email)
    return { status: 200, list: commits.map((c) => commit(ctx.core.urls, repo, c, byEmail)) }
  },
  'pulls/list-files': async (ctx) => {
    const { repo } = ctx.repo()
    const pull = findPull(repo, num(ctx.path.pull_number))
    await refreshPull(repo, pull)
    const files = await changedFiles(repo.dir, pull.pull.baseSha, pull.pull.headSha)
    return { status: 200, list: files.map((f) => diffEntry(ctx.core.urls, repo, pull.pull.headSha, f)) }
  },
  'pulls/request-reviewers': async (ctx) => {
    const { repo } = ctx.repo()
    const pull = findPull(repo, num(ctx.path.pull_number))
    const logins = Array.isArray(ctx.body.reviewers) ? ctx.body.reviewers.map(str) : []
    requestReviewers(ctx.core, repo, pull, actorOf(ctx), logins)
    return { status: 201, body: pullSimple(ctx.core.urls, repo, pull, await pullFacts(repo, pull)) }
  },
  'pulls/list-requested-reviewers': (ctx) => {
    const { repo } = ctx.repo()
    const pull = findPull(repo, num(ctx.path.pull_number))
    return {
      status: 200,
      body: { users: pull.pull.requestedReviewers.map((u) => simpleUser(ctx.core.urls, u)), teams: [] },
    }
  },
  'pulls/list-reviews': (ctx) => {
    const { repo } = ctx.repo()
    const pull = findPull(repo, num(ctx.path.pull_number))
    return { status: 200, list: pull.pull.reviews.map((r) => review(ctx.core.urls, repo, pull, r)) }
  },
  'pulls/create-review': async (ctx) => {
    const { repo } = ctx.repo()
    const pull = findPull(repo, num(ctx.path.pull_number))
    const state = EVENTS[str(ctx.body.event)]
    // A review without an event stays pending on GitHub; the fake only models submitted reviews.
    if (!state)
      throw new HttpError(422, 'Unprocessable Entity', [
        'The fake GitHub only accepts submitted reviews (event is required)',
      ])
    const comments = Array.isArray(ctx.body.comments) ? ctx.body.comments : []
    const { review: created } = await submitReview(ctx.core, repo, pull, actorOf(ctx), {
      state,
      body: str(ctx.body.body),
      ...(typeof ctx.body.commit_id === 'string' ? { commitId: ctx.body.commit_id } : {}),
      comments: comments.map((c: Record<string, unknown>) => ({
        path: str(c.path),
        line: num(c.line ?? c.position ?? 1),
        body: str(c.body),
        side: c.side === 'LEFT' ? 'LEFT' : 'RIGHT',
      })),
    })
    return { status: 200, body: review(ctx.core.urls, repo, pull, created) }
  },
  'pulls/list-review-comments': (ctx) => {
    const { repo } = ctx.repo()
    const pull = findPull(repo, num(ctx.path.pull_number))
    return {
      status: 200,
      list: pull.pull.reviewComments.map((c) => reviewComment(ctx.core.urls, repo, pull, c)),
    }
  },
}
