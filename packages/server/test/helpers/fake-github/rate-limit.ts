import type { Caller } from './auth.ts'
import { type Core, HttpError } from './core.ts'

// GitHub's rate-limit headers on every answer, and the two kinds of limit a test can provoke:
// primary (403, x-ratelimit-remaining: 0, reset time) and secondary (403 or 429 with retry-after),
// worded as GitHub words them, since Octokit's throttling plugin tells them apart by these.

const PRIMARY_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-rate-limits'
const SECONDARY_DOCS =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'

function usageKey(caller: Caller | null): string {
  if (caller?.kind === 'pat' || caller?.kind === 'installation') return caller.token.value
  return caller?.kind === 'app' ? 'app' : 'anonymous'
}

function limitFor(caller: Caller | null): number {
  return caller === null || caller.kind === 'anonymous' ? 60 : 5000
}

function usage(core: Core, caller: Caller | null) {
  const key = usageKey(caller)
  const now = Math.floor(Date.now() / 1000)
  let entry = core.usage.get(key)
  if (!entry || entry.reset <= now) {
    entry = { used: 0, reset: now + 3600 }
    core.usage.set(key, entry)
  }
  return { entry, limit: limitFor(caller) }
}

/** Counts the request and returns the `x-ratelimit-*` headers (and a PAT's own headers). */
export function rateHeaders(
  core: Core,
  caller: Caller | null,
  authorization: string | undefined,
): Record<string, string> {
  const { entry, limit } = usage(core, caller)
  entry.used += 1
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(Math.max(0, limit - entry.used)),
    'x-ratelimit-used': String(entry.used),
    'x-ratelimit-reset': String(entry.reset),
    'x-ratelimit-resource': 'core',
  }
  if (caller?.kind === 'pat') {
    if (caller.token.scopes) headers['x-oauth-scopes'] = caller.token.scopes.join(', ')
    const expires = caller.token.expiresAt
    if (expires)
      headers['github-authentication-token-expiration'] = expires
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
  }
  if (authorization === undefined) delete headers['x-oauth-scopes']
  return headers
}

/** The limit the test asked for with rateLimitNext(), as the error to answer with, or null. */
export function rateLimitAnswer(core: Core, caller: Caller, requestId: string): HttpError | null {
  const knob = core.knobs.rateLimits.shift()
  if (!knob) return null
  const { limit } = usage(core, caller)
  if (knob.kind === 'primary') {
    const reset = Math.floor(Date.now() / 1000) + knob.resetInSeconds
    const who =
      caller.kind === 'installation'
        ? `installation ID ${caller.installation.id}`
        : caller.kind === 'pat'
          ? `user ID ${caller.token.user.id}`
          : '127.0.0.1'
    const error = new HttpError(403, `API rate limit exceeded for ${who}.`, undefined, {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': String(limit),
      'x-ratelimit-reset': String(reset),
    })
    return Object.assign(error, { documentationUrl: PRIMARY_DOCS })
  }
  const message =
    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
    `If you reach out to GitHub Support for help, please include the request ID ${requestId}.`
  const error = new HttpError(knob.status ?? 403, message, undefined, {
    'retry-after': String(knob.retryAfterSeconds),
  })
  return Object.assign(error, { documentationUrl: SECONDARY_DOCS })
}

/** GET /rate_limit: the caller's core window (the other resources are never used by the fake). */
export function rateLimitOverview(core: Core, caller: Caller) {
  const { entry, limit } = usage(core, caller)
  const core_ = { limit, used: entry.used, remaining: Math.max(0, limit - entry.used), reset: entry.reset }
  const other = { limit: 30, used: 0, remaining: 30, reset: entry.reset }
  return {
    resources: { core: core_, search: other, graphql: { ...core_, used: 0, remaining: limit } },
    rate: core_,
  }
}
