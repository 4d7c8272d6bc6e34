import { AppError } from '../../domain/errors.ts'

/**
 * What the adapter knows of a failed GitHub request, taken from Octokit's RequestError without its
 * request (headers, body): nothing secret survives into an AppError, a log or an event.
 */
export type GitHubFailure = {
  status: number
  method: string
  /** The API path (`/repos/o/r/pulls`), never with a query string. */
  path: string
  /** GitHub's own message ("Bad credentials", "Resource not accessible by integration", …). */
  message: string
  headers: Record<string, string | undefined>
  /** A transport failure (no response): refused connection, DNS, timeout. */
  network?: 'timeout' | 'unreachable'
  /** GitHub's `errors` array of a 422, for callers telling "already exists" from other refusals. */
  errors?: unknown[]
}

const header = (failure: GitHubFailure, name: string) => failure.headers[name]?.trim() || undefined

/** GitHub's rate limit answer: the primary (remaining 0) or a secondary one (retry-after, or its message). */
export function rateLimitOf(
  failure: Pick<GitHubFailure, 'status' | 'headers' | 'message'>,
  nowMs: number,
): { kind: 'primary' | 'secondary'; waitMs: number } | null {
  if (failure.status !== 403 && failure.status !== 429) return null
  const retryAfter = Number(failure.headers['retry-after'])
  if (Number.isFinite(retryAfter) && failure.headers['retry-after'] !== undefined)
    return { kind: 'secondary', waitMs: Math.max(0, retryAfter * 1000) }
  if (failure.headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(failure.headers['x-ratelimit-reset'])
    const waitMs = Number.isFinite(reset) ? Math.max(0, reset * 1000 - nowMs) + 1000 : 60_000
    return { kind: 'primary', waitMs }
  }
  // GitHub's documented fallback for a secondary limit without retry-after: wait at least a minute.
  if (/secondary rate limit|abuse detection/i.test(failure.message))
    return { kind: 'secondary', waitMs: 60_000 }
  if (failure.status === 429) return { kind: 'secondary', waitMs: 60_000 }
  return null
}

/** Failures worth trying again as they are: GitHub's server errors and transport failures. */
export const isTransient = (failure: Pick<GitHubFailure, 'status' | 'network'>) =>
  failure.network !== undefined ||
  failure.status === 500 ||
  failure.status === 502 ||
  failure.status === 503 ||
  failure.status === 504

/** What a 403/404 says is missing: a fine-grained token's or App's permission, or a classic token's scope. */
export function missingAccessOf(failure: GitHubFailure): string | null {
  const permissions = header(failure, 'x-accepted-github-permissions')
  if (permissions)
    return `the permission ${permissions
      .split(';')
      .map((set) => set.trim())
      .filter(Boolean)
      .join(' or ')} (a fine-grained token's or the GitHub App's repository permissions)`
  const accepted = header(failure, 'x-accepted-oauth-scopes')
  if (accepted !== undefined) {
    const has = header(failure, 'x-oauth-scopes')
    return `the scope ${
      accepted
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .join(' or ') || 'repo'
    } (the classic token has ${has ? `"${has}"` : 'no scopes'})`
  }
  return null
}

/** The messages of a 422's `errors` (strings, or objects with a message or a code). */
export function errorMessages(errors: unknown[] | undefined): string[] {
  return (errors ?? []).map((e) => {
    if (typeof e === 'string') return e
    const item = e as { message?: unknown; code?: unknown; field?: unknown }
    if (typeof item.message === 'string') return item.message
    return [item.field, item.code].filter((x) => typeof x === 'string').join(' ') || JSON.stringify(e)
  })
}

/** The reasons a translated 422 carried (github-errors' details), for callers telling refusals apart. */
export function reasonsOf(error: unknown): string[] {
  const details = (error as { details?: { errors?: unknown; github?: unknown } } | null)?.details
  const reasons = Array.isArray(details?.errors) ? details.errors.filter((r) => typeof r === 'string') : []
  return typeof details?.github === 'string' ? [details.github, ...reasons] : reasons
}

/** The HTTP status GitHub answered, from a translated error's details. */
export const statusOf = (error: unknown): number | null => {
  const status = (error as { details?: { status?: unknown } } | null)?.details?.status
  return typeof status === 'number' ? status : null
}

/**
 * The repository permission a request of this adapter needs, for a 403/404 that does not say
 * (GitHub Enterprise Server and older answers send no `x-accepted-github-permissions`).
 */
const NEEDS: [method: string, path: RegExp, permission: string][] = [
  ['PUT', /\/pulls\/\d+\/merge$/, 'contents=write'],
  ['*', /\/pulls\/\d+\/requested_reviewers$/, 'pull_requests=write'],
  ['GET', /\/pulls/, 'pull_requests=read'],
  ['*', /\/pulls/, 'pull_requests=write'],
  ['GET', /\/issues/, 'issues=read'],
  ['*', /\/issues/, 'issues=write'],
  ['GET', /\/check-runs/, 'checks=read'],
  ['*', /\/check-runs/, 'checks=write'],
  ['*', /\/statuses\//, 'statuses=write'],
  ['GET', /\/(contents|branches)(\/|$)/, 'contents=read'],
  ['GET', /\/collaborators\//, 'metadata=read'],
]

export function permissionFor(method: string, path: string): string | null {
  const found = NEEDS.find(([m, re]) => (m === '*' || m === method) && re.test(path))
  return found ? found[2] : null
}

const what = (failure: GitHubFailure) => `${failure.method} ${failure.path}`

/**
 * One GitHub failure as the AppError the rest of the server understands: a message a person can act
 * on, and whether trying again later can help. `subject` names the credential ("the token in secret
 * GITHUB_TOKEN", "GitHub App 123") so the message says which one to fix.
 */
export function toAppError(failure: GitHubFailure, subject: string): AppError {
  const details = { status: failure.status, request: what(failure), github: failure.message }
  if (failure.network)
    return new AppError(
      'unavailable',
      failure.network === 'timeout'
        ? `GitHub did not answer ${what(failure)} in time; try again later`
        : `GitHub could not be reached for ${what(failure)}: ${failure.message}`,
      { details, retryable: true },
    )
  const rateLimit = rateLimitOf(failure, Date.now())
  if (rateLimit)
    return new AppError(
      'rate_limited',
      `GitHub's ${rateLimit.kind} rate limit stopped ${what(failure)}; it lifts in about ${Math.ceil(rateLimit.waitMs / 1000)} s`,
      { details: { ...details, retryAfterMs: rateLimit.waitMs }, retryable: true },
    )
  switch (failure.status) {
    case 401:
      return new AppError(
        'forbidden',
        `GitHub refused ${subject} (${failure.message}): it is wrong, expired or revoked. Store a valid one in the squad's secrets (a GitHub App: check its id and private key) and check the repository again.`,
        { details },
      )
    case 403:
    case 404: {
      const guessed = permissionFor(failure.method, failure.path)
      const missing =
        missingAccessOf(failure) ??
        (failure.status === 403 && guessed
          ? `the permission ${guessed} (a fine-grained token's or the GitHub App's repository permissions; a classic token's "repo" scope)`
          : null)
      if (missing)
        return new AppError(
          failure.status === 404 ? 'not_found' : 'forbidden',
          `GitHub refused ${what(failure)} with ${subject} (${failure.message}): it needs ${missing}. Grant it and try again.`,
          { details },
        )
      return failure.status === 404
        ? new AppError(
            'not_found',
            `GitHub answered 404 for ${what(failure)}: it does not exist, or ${subject} cannot see it (GitHub hides what a credential may not read)`,
            { details },
          )
        : new AppError('forbidden', `GitHub refused ${what(failure)} with ${subject}: ${failure.message}`, {
            details,
          })
    }
    case 409:
      return new AppError('conflict', `GitHub refused ${what(failure)}: ${failure.message}`, { details })
    case 422: {
      const reasons = errorMessages(failure.errors)
      return new AppError(
        'validation_failed',
        `GitHub refused ${what(failure)}: ${failure.message}${reasons.length ? ` (${reasons.join('; ')})` : ''}`,
        { details: { ...details, errors: reasons } },
      )
    }
    default:
      return new AppError(
        failure.status >= 500 ? 'unavailable' : 'internal',
        `GitHub answered ${failure.status} to ${what(failure)}: ${failure.message}`,
        { details, retryable: failure.status >= 500 },
      )
  }
}
