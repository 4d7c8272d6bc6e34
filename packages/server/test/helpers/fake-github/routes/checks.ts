import { type Ctx, type Handlers, HttpError, num, str } from '../core.ts'
import { resolveCommit } from '../git-store.ts'
import type { CheckRun, Repo } from '../model.ts'
import { isPull } from '../pull-facts.ts'
import { checkRun } from '../serialize-app.ts'
import { isoNow } from '../urls.ts'

// Check runs: only a GitHub App may create or update them (a PAT is told to use one, as on GitHub).

function requireApp(ctx: Ctx) {
  if (ctx.caller.kind === 'pat') throw new HttpError(403, 'You must authenticate via a GitHub App.')
}

/** The open pull requests whose head is the run's commit, as `pull-request-minimal`. */
function pullsFor(ctx: Ctx, repo: Repo, run: CheckRun) {
  const { urls } = ctx.core
  const repoRef = { id: repo.id, url: urls.repoApi(repo.fullName), name: repo.name }
  return repo.issues
    .filter(isPull)
    .filter((p) => p.state === 'open' && p.pull.headSha === run.headSha)
    .map((p) => ({
      id: p.pull.id,
      number: p.number,
      url: `${urls.repoApi(repo.fullName)}/pulls/${p.number}`,
      head: { ref: p.pull.head, sha: p.pull.headSha, repo: repoRef },
      base: { ref: p.pull.base, sha: p.pull.baseSha, repo: repoRef },
    }))
}

function json(ctx: Ctx, repo: Repo, run: CheckRun) {
  return checkRun(ctx.core.urls, repo, ctx.core.state.app, run, pullsFor(ctx, repo, run))
}

/** Applies the writable fields of a create or update body. */
function apply(run: CheckRun, body: Record<string, unknown>) {
  if (typeof body.name === 'string') run.name = body.name
  if (typeof body.details_url === 'string') run.detailsUrl = body.details_url
  if (typeof body.external_id === 'string') run.externalId = body.external_id
  if (typeof body.started_at === 'string') run.startedAt = body.started_at
  if (typeof body.status === 'string') run.status = body.status as CheckRun['status']
  if (typeof body.conclusion === 'string') {
    // Giving a conclusion completes the run (GitHub's rule).
    run.conclusion = body.conclusion
    run.status = 'completed'
  }
  if (typeof body.completed_at === 'string') run.completedAt = body.completed_at
  if (run.status === 'completed') run.completedAt ??= isoNow()
  if (run.status === 'in_progress') run.startedAt ??= isoNow()
  const output = body.output
  if (typeof output === 'object' && output !== null) {
    const o = output as Record<string, unknown>
    run.output = { title: str(o.title) || null, summary: str(o.summary) || null, text: str(o.text) || null }
  }
}

function findRun(repo: Repo, id: number): CheckRun {
  const run = repo.checkRuns.find((r) => r.id === id)
  if (!run) throw new HttpError(404, 'Not Found')
  return run
}

export const checkHandlers: Handlers = {
  'checks/create': async (ctx) => {
    requireApp(ctx)
    const { repo } = ctx.repo()
    const headSha = str(ctx.body.head_sha)
    if (!(await resolveCommit(repo.dir, headSha)))
      throw new HttpError(422, `No commit found for SHA: ${headSha}`)
    if (ctx.body.status === 'completed' && typeof ctx.body.conclusion !== 'string')
      throw new HttpError(422, 'Invalid request.\n\nNo subschema in "anyOf" matched.')
    const id = ctx.core.state.nextId()
    const run: CheckRun = {
      id,
      name: str(ctx.body.name),
      headSha,
      status: 'queued',
      conclusion: null,
      startedAt: isoNow(),
      completedAt: null,
      externalId: null,
      detailsUrl: null,
      output: { title: null, summary: null, text: null },
      appId: ctx.core.state.app.id,
      suiteId: id + 1_000_000,
    }
    apply(run, ctx.body)
    repo.checkRuns.push(run)
    return { status: 201, body: json(ctx, repo, run) }
  },
  'checks/update': (ctx) => {
    requireApp(ctx)
    const { repo } = ctx.repo()
    const run = findRun(repo, num(ctx.path.check_run_id))
    apply(run, ctx.body)
    return { status: 200, body: json(ctx, repo, run) }
  },
  'checks/get': (ctx) => {
    const { repo } = ctx.repo()
    return { status: 200, body: json(ctx, repo, findRun(repo, num(ctx.path.check_run_id))) }
  },
  'checks/list-for-ref': async (ctx) => {
    const { repo } = ctx.repo()
    const sha = await resolveCommit(repo.dir, str(ctx.path.ref))
    if (!sha) throw new HttpError(422, `No commit found for SHA: ${str(ctx.path.ref)}`)
    const runs = repo.checkRuns.filter(
      (r) => r.headSha === sha && (!ctx.query.check_name || r.name === ctx.query.check_name),
    )
    const perPage = Math.min(100, num(ctx.query.per_page ?? 30) || 30)
    const page = Math.max(1, num(ctx.query.page ?? 1) || 1)
    const slice = runs.slice((page - 1) * perPage, page * perPage)
    return {
      status: 200,
      body: { total_count: runs.length, check_runs: slice.map((r) => json(ctx, repo, r)) },
    }
  },
}
