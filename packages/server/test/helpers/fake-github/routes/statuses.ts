import { type Ctx, type Handlers, HttpError, num, str } from '../core.ts'
import { resolveCommit } from '../git-store.ts'
import type { CommitStatus, Repo } from '../model.ts'
import { combinedStatus, commitStatus, latestByContext } from '../serialize-status.ts'
import { isoNow } from '../urls.ts'

// Commit statuses: what a personal access token reports on a commit (check runs are kept to Apps).
// Anyone with push access may create one (a fine-grained `statuses: write`, a classic `repo` or
// `repo:status`); the latest status of a context is that context's state.

/** GitHub keeps at most this many statuses per commit and context. */
const MAX_PER_CONTEXT = 1000
const MAX_DESCRIPTION = 140

const invalid = (field: string, message: string) =>
  new HttpError(422, 'Validation Failed', [{ resource: 'Status', code: 'custom', field, message }])

/** The commit a ref names (a sha, a branch, `heads/…`, `tags/…`), or GitHub's 404. */
async function commitOf(repo: Repo, ref: string): Promise<string> {
  const sha = await resolveCommit(repo.dir, ref)
  if (!sha) throw new HttpError(404, `No commit found for SHA: ${ref}`)
  return sha
}

function creatorOf(ctx: Ctx) {
  const { caller } = ctx
  if (caller.kind === 'pat' || caller.kind === 'installation') return caller.token.user
  throw new HttpError(401, 'Requires authentication')
}

export const statusHandlers: Handlers = {
  'repos/create-commit-status': async (ctx) => {
    const { repo } = ctx.repo()
    const given = str(ctx.path.sha)
    // Only a commit's sha (a branch name is refused), as on GitHub.
    const sha = /^[0-9a-f]{7,40}$/i.test(given) ? await resolveCommit(repo.dir, given) : null
    if (!sha) throw new HttpError(422, `No commit found for SHA: ${given}`)
    // `state` is one of GitHub's four: the request was checked against the description.
    const state = str(ctx.body.state) as CommitStatus['state']
    const description = typeof ctx.body.description === 'string' ? ctx.body.description : null
    if (description !== null && [...description].length > MAX_DESCRIPTION)
      throw invalid('description', `description is too long (maximum is ${MAX_DESCRIPTION} characters)`)
    const context = typeof ctx.body.context === 'string' && ctx.body.context ? ctx.body.context : 'default'
    const same = repo.statuses.filter(
      (s) => s.sha === sha && s.context.toLowerCase() === context.toLowerCase(),
    )
    if (same.length >= MAX_PER_CONTEXT)
      throw invalid('context', 'This SHA and context has reached the maximum number of statuses.')
    const now = isoNow()
    const status: CommitStatus = {
      id: ctx.core.state.nextId(),
      sha,
      state,
      context,
      description,
      targetUrl: typeof ctx.body.target_url === 'string' ? ctx.body.target_url : null,
      creator: creatorOf(ctx),
      createdAt: now,
      updatedAt: now,
    }
    repo.statuses.push(status)
    return { status: 201, body: commitStatus(ctx.core.urls, repo, status) }
  },
  'repos/get-combined-status-for-ref': async (ctx) => {
    const { repo } = ctx.repo()
    const sha = await commitOf(repo, str(ctx.path.ref))
    const latest = latestByContext(repo, sha)
    const perPage = Math.min(100, num(ctx.query.per_page ?? 30) || 30)
    const page = Math.max(1, num(ctx.query.page ?? 1) || 1)
    const shown = latest.slice((page - 1) * perPage, page * perPage)
    return { status: 200, body: combinedStatus(ctx.core.urls, repo, sha, latest, shown) }
  },
  'repos/list-commit-statuses-for-ref': async (ctx) => {
    const { repo } = ctx.repo()
    const sha = await commitOf(repo, str(ctx.path.ref))
    const newestFirst = repo.statuses.filter((s) => s.sha === sha).reverse()
    return { status: 200, list: newestFirst.map((s) => commitStatus(ctx.core.urls, repo, s)) }
  },
}
