import type { ErrorCode } from '@agent-squad/contract'

/**
 * The one error type the application throws on purpose. `code` decides the HTTP status (see
 * http/error-table.ts), `message` is safe to show a user, `retryable` tells callers (the job
 * runner, the CLI) whether trying again can help.
 */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly details: unknown
  readonly retryable: boolean

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: unknown; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'AppError'
    this.code = code
    this.details = options.details
    this.retryable = options.retryable ?? false
  }
}

export const notFound = (what: string, id?: string) =>
  new AppError('not_found', id ? `${what} ${id} was not found` : `${what} was not found`)

/**
 * A sandbox that no longer exists (killed, expired, reaped): whatever was in it is lost, unlike a
 * sandbox that could not be reached right now (a retryable `unavailable`), whose work is still there.
 */
export const sandboxGone = (sandboxId: string) =>
  new AppError('sandbox_gone', `sandbox ${sandboxId} is gone (killed, expired or reaped)`)

export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, { details })

export const isAppError = (error: unknown): error is AppError => error instanceof AppError
