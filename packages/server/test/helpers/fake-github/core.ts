import type { Caller } from './auth.ts'
import type { Repo, Role } from './model.ts'
import type { OperationCatalog, Violation } from './openapi-operations.ts'
import type { OperationId } from './served-operations.ts'
import type { FakeState } from './state.ts'
import type { Urls } from './urls.ts'

// What every part of the fake shares: the state, its addresses, the OpenAPI catalog, the test's knobs,
// the violations and the request log. And the shapes a REST handler takes and gives.

export type RateLimitKnob =
  | { kind: 'primary'; resetInSeconds: number }
  | { kind: 'secondary'; retryAfterSeconds: number; status?: 403 | 429 }

export type FailKnob = { status: number; body?: unknown }

export type RequestRecord = {
  method: string
  path: string
  /** The served operation, or null for git, web pages and unknown routes. */
  operationId: string | null
  status: number
  tokenKind: Caller['kind'] | 'invalid'
  at: Date
}

export type Knobs = {
  rateLimits: RateLimitKnob[]
  failures: Map<string, FailKnob[]>
  refusedReviewers: Set<string>
  installationTokenTtlSeconds: number
}

export type Core = {
  state: FakeState
  urls: Urls
  catalog: OperationCatalog
  knobs: Knobs
  violations: Violation[]
  requests: RequestRecord[]
  /** Requests counted per caller (token value, 'app' or 'anonymous') in the current hour. */
  usage: Map<string, { used: number; reset: number }>
}

/** A GitHub error answer: `{ message, documentation_url, errors? }` with this status. */
export class HttpError extends Error {
  readonly status: number
  readonly errors: unknown[] | undefined
  readonly headers: Record<string, string>
  /** Overrides the operation's documentation link (rate limits link their own page). */
  documentationUrl: string | undefined

  constructor(status: number, message: string, errors?: unknown[], headers: Record<string, string> = {}) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.errors = errors
    this.headers = headers
    this.documentationUrl = undefined
  }
}

export type Reply = {
  status: number
  body?: unknown
  headers?: Record<string, string>
  /** A whole list: the dispatcher answers one page of it, with a Link header (per_page, page). */
  list?: unknown[]
}

export type Ctx = {
  core: Core
  caller: Caller
  operationId: OperationId
  path: Record<string, unknown>
  query: Record<string, unknown>
  body: Record<string, unknown>
  /** The parsed JSON body as sent (add-labels also takes a bare array). */
  rawBody: unknown
  /** The repository in the path, after checking the caller may do what the operation needs. */
  repo(): { repo: Repo; role: Role }
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>
export type Handlers = Partial<Record<OperationId, Handler>>

export function str(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value)
}

export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value)
}
