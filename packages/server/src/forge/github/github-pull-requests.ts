import { AppError } from '../../domain/errors.ts'
import type { PullRequestDraft, PullRequestRef, RepoRef } from '../forge.ts'
import { reviewersFor } from './codeowners.ts'
import type { GitHubRepo } from './github-auth.ts'
import type { GitHubClient } from './github-client.ts'
import { reasonsOf } from './github-errors.ts'
import { composeBody } from './pull-request-body.ts'
import type { PullRequestMirror } from './pull-request-mirror.ts'
import type { RepoFilesCache } from './repo-files.ts'

export type PullRequestsContext = {
  api: GitHubClient
  repo: GitHubRepo
  ref: RepoRef
  files: RepoFilesCache
  mirror: PullRequestMirror
  publicUrl: () => string
}

/** The fields of GitHub's pull request the adapter reads. */
export type GitHubPull = {
  number: number
  html_url: string
  state: string
  merged_at?: string | null
  merge_commit_sha?: string | null
  title: string
  body?: string | null
  head: { ref: string; sha: string }
  base: { ref: string; sha: string }
  user?: { login: string } | null
  labels?: ({ name?: string } | string)[]
  requested_reviewers?: ({ login: string } | null)[] | null
  requested_teams?: ({ slug: string } | null)[] | null
}

export const stateOf = (pull: Pick<GitHubPull, 'state' | 'merged_at'>): PullRequestRef['state'] =>
  pull.merged_at ? 'merged' : pull.state === 'open' ? 'open' : 'closed'

export const toRef = (pull: GitHubPull, created: boolean, warnings: string[] = []): PullRequestRef => ({
  number: pull.number,
  url: pull.html_url,
  state: stateOf(pull),
  head: pull.head.ref,
  base: pull.base.ref,
  title: pull.title,
  created,
  ...(warnings.length ? { warnings } : {}),
})

const labelNames = (pull: GitHubPull) =>
  (pull.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean)

/** The open pull request of `head` (from this repository, not a fork), or null: one request. */
export async function findOpenPull(ctx: Pick<PullRequestsContext, 'api' | 'repo'>, head: string) {
  const { data } = await ctx.api.request('GET /repos/{owner}/{repo}/pulls', {
    owner: ctx.repo.owner,
    repo: ctx.repo.name,
    head: `${ctx.repo.owner}:${head}`,
    state: 'open',
    per_page: 1,
  })
  return (data[0] as GitHubPull | undefined) ?? null
}

const alreadyExists = (error: unknown) =>
  error instanceof AppError &&
  error.code === 'validation_failed' &&
  reasonsOf(error).some((reason) => /already exists/i.test(reason))

/**
 * Asks for reviews from the draft's reviewers and the code owners of the changed files. A reviewer
 * GitHub refuses (not a collaborator, the author, an unknown team) becomes a warning: the request is
 * made for everyone at once, and only when GitHub refuses it, once per reviewer to find who.
 */
async function requestReviews(
  ctx: PullRequestsContext,
  number: number,
  wanted: { reviewers: string[]; teamReviewers: string[] },
): Promise<{ requested: string[]; warnings: string[] }> {
  const { reviewers, teamReviewers } = wanted
  if (!reviewers.length && !teamReviewers.length) return { requested: [], warnings: [] }
  const ask = (body: { reviewers: string[]; team_reviewers: string[] }) =>
    ctx.api.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', {
      owner: ctx.repo.owner,
      repo: ctx.repo.name,
      pull_number: number,
      ...body,
    })
  try {
    await ask({ reviewers, team_reviewers: teamReviewers })
    return { requested: [...reviewers, ...teamReviewers.map((t) => `${ctx.repo.owner}/${t}`)], warnings: [] }
  } catch (error) {
    if (!(error instanceof AppError) || error.retryable) throw error
  }
  const requested: string[] = []
  const warnings: string[] = []
  const one = [
    ...reviewers.map((r) => ({ name: `@${r}`, body: { reviewers: [r], team_reviewers: [] } })),
    ...teamReviewers.map((t) => ({
      name: `@${ctx.repo.owner}/${t}`,
      body: { reviewers: [], team_reviewers: [t] },
    })),
  ]
  for (const each of one) {
    try {
      await ask(each.body)
      requested.push(each.name.slice(1))
    } catch (error) {
      if (!(error instanceof AppError) || error.retryable) throw error
      warnings.push(
        `GitHub refused ${each.name} as a reviewer: ${reasonsOf(error).join('; ') || error.message}`,
      )
    }
  }
  return { requested, warnings }
}

/**
 * Opens the pull request of `draft.head`, or updates the open one (never a second one). Requests,
 * in order: the base branch (its commit keys the cache of template and CODEOWNERS, read at that
 * commit only when not cached), create the pull request (a 422 "already exists" turns into find +
 * update: creating first saves the lookup on the common path), the changed files (only with a
 * CODEOWNERS), add labels (GitHub creates missing ones), request reviewers. Then the pull request
 * is mirrored in this server's table.
 */
export async function createOrUpdatePull(
  ctx: PullRequestsContext,
  draft: PullRequestDraft,
): Promise<PullRequestRef> {
  const { api, repo } = ctx
  const where = { owner: repo.owner, repo: repo.name }
  // The pipeline knows the base commit it pushed onto; others ask GitHub.
  const baseSha =
    draft.baseSha ??
    (
      await api.request('GET /repos/{owner}/{repo}/branches/{branch}', {
        ...where,
        branch: draft.base,
      })
    ).data.commit.sha
  const files = await ctx.files.read(api, repo, baseSha)
  const body = composeBody({
    body: draft.body,
    publicUrl: ctx.publicUrl(),
    squadId: draft.repo.squadId,
    taskId: draft.taskId ?? null,
    template: files.template,
  })

  let pull: GitHubPull
  let created = true
  try {
    const { data } = await api.request('POST /repos/{owner}/{repo}/pulls', {
      ...where,
      title: draft.title,
      body,
      head: draft.head,
      base: draft.base,
      draft: draft.draft === true,
    })
    pull = data as GitHubPull
  } catch (error) {
    if (!alreadyExists(error)) throw error
    const open = await findOpenPull(ctx, draft.head)
    if (!open) throw error
    created = false
    pull = open
    if (open.title !== draft.title || (open.body ?? '') !== body || open.base.ref !== draft.base) {
      const { data } = await api.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', {
        ...where,
        pull_number: open.number,
        title: draft.title,
        body,
        base: draft.base,
      })
      pull = data as GitHubPull
    }
  }

  const warnings: string[] = []
  let labels = labelNames(pull)
  const missing = draft.labels.filter((l) => !labels.includes(l))
  if (missing.length) {
    try {
      const { data } = await api.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
        ...where,
        issue_number: pull.number,
        labels: missing,
      })
      labels = data.map((l) => l.name)
    } catch (error) {
      if (!(error instanceof AppError) || error.retryable) throw error
      warnings.push(`GitHub did not add the labels ${missing.join(', ')}: ${error.message}`)
    }
  }

  const already = new Set(
    [
      ...(pull.requested_reviewers ?? []).map((r) => r?.login),
      ...(pull.requested_teams ?? []).map((t) => t?.slug),
    ]
      .filter((x): x is string => Boolean(x))
      .map((x) => x.toLowerCase()),
  )
  // The changed files matter only to CODEOWNERS: asked for only when the repository has one and
  // the caller did not say which files its branch changes.
  const changed = !files.codeOwners?.rules.length
    ? []
    : (draft.changedFiles ??
      (
        await api.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
          ...where,
          pull_number: pull.number,
          per_page: 100,
        })
      ).data.map((f) => f.filename))
  const wanted = reviewersFor({
    requested: draft.reviewers,
    rules: files.codeOwners?.rules ?? [],
    files: changed,
    author: pull.user?.login ?? null,
  })
  const reviews = await requestReviews(ctx, pull.number, {
    reviewers: wanted.reviewers.filter((r) => !already.has(r.toLowerCase())),
    teamReviewers: wanted.teamReviewers.filter((t) => !already.has(t.toLowerCase())),
  })
  warnings.push(...reviews.warnings)

  await ctx.mirror.save({
    repo: draft.repo,
    number: pull.number,
    htmlUrl: pull.html_url,
    title: pull.title,
    body: pull.body ?? '',
    head: pull.head.ref,
    base: pull.base.ref,
    state: stateOf(pull),
    labels,
    reviewers: [...new Set([...[...already], ...reviews.requested])],
    taskId: draft.taskId ?? null,
    executionId: draft.executionId ?? null,
  })
  return toRef(pull, created, warnings)
}
