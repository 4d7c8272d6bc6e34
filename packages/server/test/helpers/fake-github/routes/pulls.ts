import { type Ctx, type Handlers, HttpError, num, str } from '../core.ts'
import type { Account } from '../model.ts'
import { findPull, isPull, type Pull, pullFacts } from '../pull-facts.ts'
import { createPull, mergePull, updatePull } from '../pull-mutations.ts'
import { pullRequest, pullSimple } from '../serialize-pull.ts'

// pulls/list, get, create, update, merge.

/** The account a request acts as: a PAT's user, an installation's bot. */
export function actorOf(ctx: Ctx): Account {
  const { caller } = ctx
  if (caller.kind === 'pat' || caller.kind === 'installation') return caller.token.user
  throw new HttpError(401, 'Requires authentication')
}

export async function pullJson(ctx: Ctx, pull: Pull) {
  const { repo } = ctx.repo()
  return pullRequest(ctx.core.urls, repo, pull, await pullFacts(repo, pull))
}

export const pullHandlers: Handlers = {
  'pulls/list': async (ctx) => {
    const { repo } = ctx.repo()
    const state = str(ctx.query.state) || 'open'
    const head = str(ctx.query.head)
    const base = str(ctx.query.base)
    const pulls = repo.issues.filter(isPull).filter((p) => {
      if (state !== 'all' && p.state !== state) return false
      if (base && p.pull.base !== base) return false
      if (head) {
        const [owner, branch] = head.includes(':') ? head.split(':', 2) : [head, undefined]
        if (owner?.toLowerCase() !== repo.owner.login.toLowerCase()) return false
        if (branch !== undefined && p.pull.head !== branch) return false
      }
      return true
    })
    const ascending = str(ctx.query.direction) === 'asc'
    pulls.sort((a, b) => (ascending ? a.number - b.number : b.number - a.number))
    const list = []
    for (const p of pulls) list.push(pullSimple(ctx.core.urls, repo, p, await pullFacts(repo, p)))
    return { status: 200, list }
  },
  'pulls/get': async (ctx) => {
    const { repo } = ctx.repo()
    return { status: 200, body: await pullJson(ctx, findPull(repo, num(ctx.path.pull_number))) }
  },
  'pulls/create': async (ctx) => {
    const { repo } = ctx.repo()
    const title = str(ctx.body.title)
    if (!title)
      throw new HttpError(422, 'Validation Failed', [
        { resource: 'PullRequest', field: 'title', code: 'missing_field' },
      ])
    const pull = await createPull(ctx.core, repo, actorOf(ctx), {
      title,
      head: str(ctx.body.head),
      base: str(ctx.body.base),
      body: typeof ctx.body.body === 'string' ? ctx.body.body : null,
      draft: ctx.body.draft === true,
      maintainerCanModify: ctx.body.maintainer_can_modify === true,
    })
    const body = await pullJson(ctx, pull)
    return { status: 201, body, headers: { location: str((body as { url?: unknown }).url) } }
  },
  'pulls/update': async (ctx) => {
    const { repo } = ctx.repo()
    const state = ctx.body.state
    const pull = await updatePull(repo, num(ctx.path.pull_number), {
      ...(typeof ctx.body.title === 'string' ? { title: ctx.body.title } : {}),
      ...(typeof ctx.body.body === 'string' ? { body: ctx.body.body } : {}),
      ...(state === 'open' || state === 'closed' ? { state } : {}),
      ...(typeof ctx.body.base === 'string' ? { base: ctx.body.base } : {}),
    })
    return { status: 200, body: await pullJson(ctx, pull) }
  },
  'pulls/merge': async (ctx) => {
    const { repo } = ctx.repo()
    const method = ctx.body.merge_method
    const result = await mergePull(repo, num(ctx.path.pull_number), actorOf(ctx), {
      ...(typeof ctx.body.sha === 'string' ? { sha: ctx.body.sha } : {}),
      ...(method === 'merge' || method === 'squash' || method === 'rebase' ? { mergeMethod: method } : {}),
      ...(typeof ctx.body.commit_title === 'string' ? { commitTitle: ctx.body.commit_title } : {}),
      ...(typeof ctx.body.commit_message === 'string' ? { commitMessage: ctx.body.commit_message } : {}),
    })
    return { status: 200, body: result }
  },
}
