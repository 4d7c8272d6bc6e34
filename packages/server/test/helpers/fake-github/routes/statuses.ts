import { type Ctx, type Handlers, HttpError, str } from '../core.ts'
import { resolveCommit } from '../git-store.ts'
import type { CommitStatus, Repo } from '../model.ts'
import { simpleUser } from '../serialize-account.ts'
import { isoNow, nodeId } from '../urls.ts'
import { actorOf } from './pulls.ts'

// Commit statuses: what a personal access token shows a run with (check runs are an App's). Any
// caller with statuses:write may set one, on a commit the repository has.

const STATES = ['error', 'failure', 'pending', 'success'] as const

function json(ctx: Ctx, repo: Repo, status: CommitStatus) {
  const { urls } = ctx.core
  return {
    url: `${urls.repoApi(repo.fullName)}/statuses/${status.sha}`,
    avatar_url: `${urls.web}/avatars/u/${status.creator.id}`,
    id: status.id,
    node_id: nodeId('StatusContext', status.id),
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.updatedAt,
    creator: simpleUser(urls, status.creator),
  }
}

export const statusHandlers: Handlers = {
  'repos/create-commit-status': async (ctx) => {
    const { repo } = ctx.repo()
    const sha = await resolveCommit(repo.dir, str(ctx.path.sha))
    if (!sha) throw new HttpError(422, `No commit found for SHA: ${str(ctx.path.sha)}`)
    const state = STATES.find((s) => s === ctx.body.state) ?? 'pending'
    const now = isoNow()
    const status: CommitStatus = {
      id: ctx.core.state.nextId(),
      sha,
      state,
      context: str(ctx.body.context) || 'default',
      description: typeof ctx.body.description === 'string' ? ctx.body.description : null,
      targetUrl: typeof ctx.body.target_url === 'string' ? ctx.body.target_url : null,
      creator: actorOf(ctx),
      createdAt: now,
      updatedAt: now,
    }
    repo.statuses.push(status)
    return { status: 201, body: json(ctx, repo, status) }
  },
}
