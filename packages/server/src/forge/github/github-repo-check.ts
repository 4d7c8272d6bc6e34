import type { RepositoryCheck } from '@agent-squad/contract'
import { AppError } from '../../domain/errors.ts'
import type { GitHubRepo, RepoToken } from './github-auth.ts'
import type { GitHubClient } from './github-client.ts'
import { reasonsOf, statusOf } from './github-errors.ts'

/** A classic token's repository role (GET /repos `permissions`) as the permissions a run uses. */
export function rolePermissions(role: Record<string, boolean | undefined> | undefined): string[] {
  if (!role) return []
  const list = new Set<string>()
  if (role.pull) list.add('contents:read').add('metadata:read')
  if (role.triage) list.add('issues:write')
  if (role.push) list.add('contents:write').add('pull_requests:write').add('issues:write')
  if (role.maintain) list.add('maintain')
  if (role.admin) list.add('administration:write')
  return [...list].sort()
}

const refused = (message: string, cause: unknown) =>
  new AppError('validation_failed', message, {
    cause,
    retryable: cause instanceof AppError && cause.retryable,
  })

/** Any failure of the check as a validation_failed AppError saying what is wrong and what to do. */
function explain(error: unknown, repo: GitHubRepo, what: string): never {
  if (!(error instanceof AppError)) throw error
  if (error.code === 'validation_failed') throw error
  const name = `${repo.owner}/${repo.name}`
  if (statusOf(error) === 404 && !/needs the (permission|scope)/.test(error.message))
    throw refused(
      `GitHub has no repository ${name}, or its credential cannot see it (GitHub answers 404 to both): check the name and that the token or App has access to it`,
      error,
    )
  throw refused(`Checking ${name} on GitHub failed at ${what}: ${error.message}`, error)
}

/**
 * Checks a GitHub repository before it is saved: it exists and the credential sees it (GET repo),
 * the credential may push (the token's role, or the App installation token's permissions), the
 * repository is not empty and has its default branch (GET branch; the one GitHub names when the
 * repository record has none yet). Two requests for a token (three when the branch is missing).
 */
export async function checkGitHubRepository(input: {
  api: GitHubClient
  repo: GitHubRepo
  token: RepoToken
  defaultBranch: string
  now: () => number
}): Promise<RepositoryCheck> {
  const { api, repo, token } = input
  const name = `${repo.owner}/${repo.name}`
  const where = { owner: repo.owner, repo: repo.name }
  const found = await api
    .request('GET /repos/{owner}/{repo}', where)
    .catch((e) => explain(e, repo, 'reading it'))
  // No branch named: the repository's own default branch (what a person connecting it expects).
  const defaultBranch = input.defaultBranch || found.data.default_branch
  const scopes = found.headers['x-oauth-scopes']
  const permissions =
    token.permissions ??
    [
      ...rolePermissions(found.data.permissions),
      ...(typeof scopes === 'string' && scopes.trim()
        ? scopes.split(',').map((s) => `scope:${s.trim()}`)
        : []),
    ].sort()
  const canPush = token.permissions
    ? token.permissions.includes('contents:write')
    : found.data.permissions?.push !== false
  if (!canPush)
    throw new AppError(
      'validation_failed',
      `${token.subject} may not push to ${name} (it has ${permissions.join(', ') || 'no permissions'}): it needs contents:write and pull_requests:write`,
    )
  try {
    const { data } = await api.request('GET /repos/{owner}/{repo}/branches/{branch}', {
      ...where,
      branch: defaultBranch,
    })
    return {
      reachable: true,
      default_branch: defaultBranch,
      head: data.commit.sha,
      permissions,
      checked_at: new Date(input.now()).toISOString(),
    }
  } catch (error) {
    if (statusOf(error) !== 404) explain(error, repo, `reading the branch ${defaultBranch}`)
    // An empty repository has no branches at all: GitHub answers its contents with 404 "This
    // repository is empty.", which tells it from a missing branch in one request.
    const empty = await api
      .request('GET /repos/{owner}/{repo}/contents/{path}', {
        ...where,
        path: '.' /* the root: see repo-files.ts */,
      })
      .then(
        () => false,
        (e: unknown) => statusOf(e) === 404 && reasonsOf(e).some((r) => /empty/i.test(r)),
      )
    if (empty)
      throw new AppError(
        'validation_failed',
        `${name} is empty: push a first commit to ${defaultBranch} (agents branch from it) and check again`,
        { cause: error },
      )
    throw new AppError(
      'validation_failed',
      `${name} has no branch ${defaultBranch}: name an existing branch (GitHub's default branch is ${found.data.default_branch})`,
      { cause: error },
    )
  }
}
