import type { ErrorBody } from '@agent-squad/contract'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { z } from 'zod'
import { AppError } from '../domain/errors.ts'
import { statusOf } from './error-table.ts'

/** Zod issues as a short list a client can show next to the offending fields. */
export function issuesOf(error: z.ZodError) {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
    code: issue.code,
  }))
}

export const validationError = (where: string, error: z.ZodError) => {
  const issues = issuesOf(error)
  const first = issues[0]
  const summary = first ? `${first.path}: ${first.message}` : 'invalid input'
  return new AppError('validation_failed', `Invalid ${where}: ${summary}`, { details: { issues } })
}

/** Turns anything thrown while serving a request into the one error shape and its status. */
export function toErrorResponse(error: unknown): { status: ReturnType<typeof Number>; body: ErrorBody } {
  if (error instanceof AppError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } }
    if (error.details !== undefined) body.error.details = error.details
    return { status: statusOf[error.code], body }
  }
  if (error instanceof z.ZodError) return toErrorResponse(validationError('input', error))
  if (error instanceof HTTPException) {
    const code =
      error.status === 413 ? 'payload_too_large' : error.status === 401 ? 'unauthorized' : 'bad_request'
    return toErrorResponse(new AppError(code, error.message || 'Bad request'))
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Internal server error' } } }
}

export function errorResponse(c: Context, error: unknown) {
  const { status, body } = toErrorResponse(error)
  return c.json(body, status as 400)
}
