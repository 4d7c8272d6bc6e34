import { Octokit } from '@octokit/core'
import { RequestError } from '@octokit/request-error'
import { AppError } from '../../domain/errors.ts'
import type { VendorCallObserver, VendorCallOutcome } from '../../observability/vendor-calls.ts'
import { gitHubApiUrl } from '../github-urls.ts'
import { type GitHubFailure, isTransient, rateLimitOf, toAppError } from './github-errors.ts'

/** How long and how often a request is tried again; every wait is bounded, the sleep injectable for tests. */
export type GitHubRetryOpts = {
  /** Tries per request for server errors and transport failures (default 3). */
  attempts?: number
  /** First backoff after a server error; doubles each time, with full jitter (default 500 ms). */
  backoffMs?: number
  /** The longest rate-limit wait before giving up with a `rate_limited` error (default 60 s). */
  maxWaitMs?: number
  /** Rate-limit waits per request (default 2). */
  rateLimitRetries?: number
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

export type GitHubClientOpts = {
  /** GitHub Enterprise Server's base URL, or null for github.com. */
  baseUrl: string | null
  /** A token or an App's JWT (both sent as the Authorization header by Octokit, never logged). */
  token: string
  /** Names the credential in error messages ("the token in secret GH_PAT"). */
  subject: string
  fetch?: typeof fetch
  /** Per request, including reading the body (default 15 s). */
  timeoutMs?: number
  retry?: GitHubRetryOpts
  now?: () => number
  /** Told of each attempt of each request: answered, failed, or refused for a rate limit. */
  onCall?: VendorCallObserver
}

export type GitHubClient = Octokit

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const silentLog = { debug() {}, info() {}, warn() {}, error() {} }

/** Adds the timeout to every fetch Octokit makes, keeping any signal the caller gave. */
const withTimeout =
  (base: typeof fetch, timeoutMs: number): typeof fetch =>
  (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs)
    return base(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout })
  }

const pathOf = (url: string) => {
  try {
    return new URL(url).pathname.replace(/^\/api\/v3/, '')
  } catch {
    return url.split('?')[0] ?? url
  }
}

/** Octokit's RequestError (or a fetch failure) as a GitHubFailure: status, GitHub's message, headers; no request. */
export function failureOf(error: unknown, method: string, url: string): GitHubFailure | null {
  if (!(error instanceof Error)) return null
  const path = pathOf(url)
  if (error instanceof RequestError && error.response) {
    const data = error.response.data as { message?: unknown; errors?: unknown } | undefined
    return {
      status: error.status,
      method,
      path,
      message:
        typeof data?.message === 'string' ? data.message : error.message.split(' - ')[0] || error.message,
      headers: error.response.headers as Record<string, string | undefined>,
      ...(Array.isArray(data?.errors) ? { errors: data.errors } : {}),
    }
  }
  const cause = error.cause instanceof Error ? error.cause : error
  const timeout =
    cause.name === 'TimeoutError' || error.name === 'TimeoutError' || error.name === 'AbortError'
  return {
    status: 0,
    method,
    path,
    message: cause.message,
    headers: {},
    network: timeout ? 'timeout' : 'unreachable',
  }
}

/**
 * An Octokit client for one credential, with one policy for every request: a timeout; GitHub's rate
 * limits waited out (primary: until `x-ratelimit-reset`; secondary: `retry-after`), bounded by
 * `maxWaitMs`; server errors and transport failures tried again with backoff; and every other
 * failure translated into an AppError (github-errors.ts). A 304 is passed through as Octokit's
 * RequestError for conditional requests (github-poll.ts).
 *
 * Our own wrap hook rather than plugin-retry and plugin-throttling: those space every write a
 * second apart and decide waits from wall-clock headers alone, which makes the pipeline slower
 * and their waits untestable; this policy is one small function with injectable sleep.
 */
export function createGitHubClient(opts: GitHubClientOpts): GitHubClient {
  const retry = opts.retry ?? {}
  const attempts = retry.attempts ?? 3
  const backoffMs = retry.backoffMs ?? 500
  const maxWaitMs = retry.maxWaitMs ?? 60_000
  const rateLimitRetries = retry.rateLimitRetries ?? 2
  const sleep = retry.sleep ?? defaultSleep
  const random = retry.random ?? Math.random
  const now = opts.now ?? Date.now
  const octokit = new Octokit({
    baseUrl: gitHubApiUrl(opts.baseUrl),
    auth: opts.token,
    userAgent: 'agent-squad',
    log: silentLog,
    request: { fetch: withTimeout(opts.fetch ?? globalThis.fetch, opts.timeoutMs ?? 15_000) },
  })
  octokit.hook.wrap('request', async (request, options) => {
    let failures = 0
    let waits = 0
    for (;;) {
      const started = performance.now()
      const observe = (outcome: VendorCallOutcome) =>
        opts.onCall?.({ vendor: 'github', outcome, seconds: (performance.now() - started) / 1000 })
      try {
        const response = await request(options)
        observe('ok')
        return response
      } catch (error) {
        if (error instanceof AppError) throw error
        // A 304 answers a conditional request: GitHub answered, and spent none of the rate limit.
        if (error instanceof RequestError && error.status === 304) {
          observe('ok')
          throw error
        }
        const method = String(options.method ?? 'GET')
        const failure = failureOf(error, method, octokit.request.endpoint(options).url)
        const limit = failure ? rateLimitOf(failure, now()) : null
        observe(limit ? 'rate_limited' : 'error')
        if (!failure) throw error
        if (limit && waits < rateLimitRetries && limit.waitMs <= maxWaitMs) {
          waits++
          await sleep(limit.waitMs)
          continue
        }
        failures++
        if (!limit && isTransient(failure) && failures < attempts) {
          await sleep(Math.round(random() * backoffMs * 2 ** (failures - 1)))
          continue
        }
        throw toAppError(failure, opts.subject)
      }
    }
  })
  return octokit
}

/** True for the 304 of a conditional request (If-None-Match matched: nothing changed, no rate limit spent). */
export const isNotModified = (error: unknown) => error instanceof RequestError && error.status === 304
