import type { ErrorBody, ErrorCode } from '@agent-squad/contract'

export const API_BASE = '/api/v1'

/** An answer from the API that was not a success, with the server's code and message. */
export class ApiError extends Error {
  readonly status: number
  readonly code: ErrorCode | 'network'
  readonly details: unknown

  constructor(status: number, code: ErrorCode | 'network', message: string, details?: unknown) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }
}

const isErrorBody = (value: unknown): value is ErrorBody =>
  typeof value === 'object' &&
  value !== null &&
  'error' in value &&
  typeof (value as ErrorBody).error?.message === 'string'

type RequestOptions = { body?: unknown; signal?: AbortSignal; query?: Record<string, string | undefined> }

/**
 * One JSON request against the API. Same-origin, so the `squad_token` cookie (token mode) rides
 * along; a 204 answers undefined. Every failure becomes an ApiError that says what happened.
 */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(options.query ?? {}))
    if (value !== undefined) params.set(key, value)
  const url = `${API_BASE}${path}${params.size ? `?${params}` : ''}`
  const init: RequestInit = { method, headers: { accept: 'application/json' }, signal: options.signal }
  if (options.body !== undefined) {
    init.headers = { ...init.headers, 'content-type': 'application/json' }
    init.body = JSON.stringify(options.body)
  }
  let response: Response
  try {
    response = await fetch(url, init)
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(0, 'network', 'Cannot reach the Agent Squad server. Is `squad serve` running?')
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let json: unknown = null
  try {
    json = text ? JSON.parse(text) : null
  } catch {
    json = null
  }
  if (!response.ok) {
    if (isErrorBody(json))
      throw new ApiError(response.status, json.error.code, json.error.message, json.error.details)
    throw new ApiError(
      response.status,
      'internal',
      `The server answered ${response.status} ${response.statusText}`,
    )
  }
  return json as T
}

export const api = {
  get: <T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal) =>
    request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  delete: (path: string) => request<undefined>('DELETE', path),
}

const nameTaken = (error: ApiError) =>
  typeof error.details === 'object' && error.details !== null && 'name' in error.details

/** What to tell the user about a failure: the server's message plus, where it helps, what to do. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error)
  switch (error.code) {
    case 'network':
      return error.message
    case 'unauthorized':
      return `${error.message}. Set an access token (key icon, top right) and try again.`
    case 'not_found':
      return `${error.message}. It may have been deleted; go back and reload.`
    case 'conflict':
      // A name someone already uses is not stale state: a reload would show the same refusal.
      return nameTaken(error)
        ? `${error.message}. Choose another name.`
        : `${error.message}. Reload to see the latest state, then try again.`
    case 'internal':
    case 'unavailable':
      return `${error.message}. Check the server's output, then try again.`
    default:
      return error.message
  }
}

/** One field's complaint from a 422 answer (`details.issues`), its path dotted (`github.auth.secret`). */
export type FieldIssue = { path: string; message: string }

/** The per-field issues a validation error carries, or none when it has only a message. */
export function issuesOf(error: unknown): FieldIssue[] {
  if (!(error instanceof ApiError) || typeof error.details !== 'object' || error.details === null) return []
  const issues = (error.details as { issues?: unknown }).issues
  if (!Array.isArray(issues)) return []
  return issues.flatMap((issue) =>
    typeof issue === 'object' &&
    issue !== null &&
    typeof issue.message === 'string' &&
    (typeof issue.path === 'string' || Array.isArray(issue.path))
      ? [{ path: Array.isArray(issue.path) ? issue.path.join('.') : issue.path, message: issue.message }]
      : [],
  )
}
