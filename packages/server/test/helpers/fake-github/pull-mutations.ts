import { type Core, HttpError } from './core.ts'
import { commitsBetween, commitTree, mergeTree, resolveCommit } from './git-store.ts'
import type { Account, Repo } from './model.ts'
import { findPull, type Pull, refreshPull } from './pull-facts.ts'
import { isoNow } from './urls.ts'

// Opening, editing and merging pull requests, with GitHub's refusals. Used by the REST handlers and by
// the test-facing API alike, so a pull request made either way is the same record.

const validation = (errors: unknown[]) => new HttpError(422, 'Validation Failed', errors)

export type CreatePullOpts = {
  title: string
  head: string
  base: string
  body?: string | null
  draft?: boolean
  maintainerCanModify?: boolean
}

export async function createPull(core: Core, repo: Repo, user: Account, opts: CreatePullOpts): Promise<Pull> {
  const [owner, branch] = opts.head.includes(':') ? opts.head.split(':', 2) : [repo.owner.login, opts.head]
  if (!branch || owner?.toLowerCase() !== repo.owner.login.toLowerCase())
    throw validation([{ resource: 'PullRequest', field: 'head', code: 'invalid' }])
  const headSha = await resolveCommit(repo.dir, `refs/heads/${branch}`)
  if (!headSha) throw validation([{ resource: 'PullRequest', field: 'head', code: 'invalid' }])
  const baseSha = await resolveCommit(repo.dir, `refs/heads/${opts.base}`)
  if (!baseSha) throw validation([{ resource: 'PullRequest', field: 'base', code: 'invalid' }])
  const label = `${repo.owner.login}:${branch}`
  if ((await commitsBetween(repo.dir, baseSha, headSha)).length === 0)
    throw validation([
      { resource: 'PullRequest', code: 'custom', message: `No commits between ${opts.base} and ${branch}` },
    ])
  // After the last await: concurrent creates for one head must see each other (GitHub allows one).
  const existing = repo.issues.find(
    (i) => i.pull && i.state === 'open' && i.pull.head === branch && i.pull.base === opts.base,
  )
  if (existing)
    throw validation([
      { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${label}.` },
    ])
  const now = isoNow()
  const pull: Pull = {
    id: core.state.nextId(),
    number: repo.nextNumber++,
    title: opts.title,
    body: opts.body ?? null,
    user,
    state: 'open',
    labels: [],
    comments: [],
    events: [],
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    pull: {
      id: core.state.nextId(),
      head: branch,
      base: opts.base,
      headSha,
      baseSha,
      draft: opts.draft ?? false,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      requestedReviewers: [],
      reviews: [],
      reviewComments: [],
      maintainerCanModify: opts.maintainerCanModify ?? false,
    },
  }
  repo.issues.push(pull)
  return pull
}

export type UpdatePullOpts = { title?: string; body?: string; state?: 'open' | 'closed'; base?: string }

export async function updatePull(repo: Repo, number: number, opts: UpdatePullOpts): Promise<Pull> {
  const pull = findPull(repo, number)
  await refreshPull(repo, pull)
  if (opts.base !== undefined && !(await resolveCommit(repo.dir, `refs/heads/${opts.base}`)))
    throw validation([{ resource: 'PullRequest', field: 'base', code: 'invalid' }])
  if (opts.state === 'open' && pull.state === 'closed') {
    if (pull.pull.merged)
      throw validation([
        { resource: 'PullRequest', code: 'custom', message: 'Cannot reopen a merged pull request' },
      ])
    const other = repo.issues.find(
      (i) =>
        i !== pull &&
        i.pull &&
        i.state === 'open' &&
        i.pull.head === pull.pull.head &&
        i.pull.base === pull.pull.base,
    )
    if (other)
      throw validation([
        {
          resource: 'PullRequest',
          code: 'custom',
          message: `A pull request already exists for ${repo.owner.login}:${pull.pull.head}.`,
        },
      ])
  }
  if (opts.title !== undefined) pull.title = opts.title
  if (opts.body !== undefined) pull.body = opts.body
  if (opts.base !== undefined) pull.pull.base = opts.base
  if (opts.state !== undefined && opts.state !== pull.state) {
    pull.state = opts.state
    pull.closedAt = opts.state === 'closed' ? isoNow() : null
  }
  pull.updatedAt = isoNow()
  return pull
}

export type MergeOpts = {
  sha?: string
  mergeMethod?: 'merge' | 'squash' | 'rebase'
  commitTitle?: string
  commitMessage?: string
}

/** Merges with real git in the bare repository; GitHub's 405 and 409 answers when it cannot. */
export async function mergePull(repo: Repo, number: number, actor: Account, opts: MergeOpts) {
  const pull = findPull(repo, number)
  await refreshPull(repo, pull)
  const notMergeable = new HttpError(405, 'Pull Request is not mergeable')
  if (pull.state !== 'open') throw notMergeable
  if (pull.pull.draft) throw new HttpError(405, 'Pull Request is still a draft')
  const method = opts.mergeMethod ?? 'merge'
  if (method === 'rebase') throw new HttpError(405, 'Rebase merges are not allowed on this repository.')
  const { headSha, baseSha, base } = pull.pull
  if (opts.sha !== undefined && opts.sha !== headSha)
    throw new HttpError(409, 'Head branch was modified. Review and try the merge again.')
  const tree = await mergeTree(repo.dir, baseSha, headSha)
  if (!tree) throw notMergeable
  const commits = await commitsBetween(repo.dir, baseSha, headSha)
  const title =
    opts.commitTitle ??
    (method === 'squash'
      ? `${pull.title} (#${pull.number})`
      : `Merge pull request #${pull.number} from ${repo.owner.login}/${pull.pull.head}`)
  const message =
    opts.commitMessage ??
    (method === 'squash' ? commits.map((c) => `* ${c.message}`).join('\n\n') : pull.title)
  const parents = method === 'squash' ? [baseSha] : [baseSha, headSha]
  const sha = await commitTree(repo.dir, {
    tree,
    parents,
    message: `${title}\n\n${message}`,
    branch: base,
    expected: baseSha,
  })
  const now = isoNow()
  Object.assign(pull.pull, { merged: true, mergedAt: now, mergedBy: actor, mergeCommitSha: sha })
  Object.assign(pull, { state: 'closed', closedAt: now, updatedAt: now })
  repo.updatedAt = now
  return { sha, merged: true, message: 'Pull Request successfully merged' }
}
