import { APICallError } from 'ai'
import { AppError } from '../../../domain/errors.ts'

/** A model call that failed; `emitted` tells whether any output had streamed (then it is not retried). */
export class ModelCallError extends Error {
  readonly emitted: boolean
  constructor(cause: unknown, emitted: boolean) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.name = 'ModelCallError'
    this.emitted = emitted
  }
}

/** The model sent nothing for too long (no first byte, or a stream that stalled). */
export class ModelTimeoutError extends Error {
  readonly idleMs: number
  constructor(idleMs: number) {
    super(`the model sent nothing for ${Math.round(idleMs / 1000)} s`)
    this.name = 'ModelTimeoutError'
    this.idleMs = idleMs
  }
}

const contextOverflow =
  /context[ _-]?length|context[ _-]?window|maximum context|prompt is too long|too many tokens|input is too long|reduce the length/i

/** The API error behind a failed call, if there is one. */
export function apiErrorOf(error: unknown): APICallError | null {
  let current: unknown = error
  for (let depth = 0; current && depth < 5; depth++) {
    if (APICallError.isInstance(current)) return current
    current = current instanceof Error ? current.cause : null
  }
  return null
}

/** True for failures that a later attempt may not meet: 408, 409, 429, 5xx and transport errors. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ModelCallError && error.emitted) return false
  if (error instanceof ModelCallError && error.cause instanceof ModelTimeoutError) return true
  return apiErrorOf(error)?.isRetryable ?? false
}

/** The provider's own words, from its JSON error body when it sent one. */
function providerMessage(error: APICallError): string {
  const body = error.responseBody
  if (body) {
    try {
      const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown }
      const inner = typeof parsed.error === 'object' ? parsed.error?.message : parsed.error
      const text = inner ?? parsed.message
      if (typeof text === 'string' && text.trim()) return text.trim().slice(0, 500)
    } catch {}
  }
  return error.message.slice(0, 500)
}

/**
 * Turns a failed model call into the message the agent step fails with: what happened, in words,
 * with what to do about it. (The step's error is redacted before it is stored.)
 */
export function describeModelFailure(error: unknown, model: string, attempts: number): AppError {
  const tried = attempts > 1 ? ` (after ${attempts} attempts)` : ''
  const inner = error instanceof ModelCallError ? error.cause : error
  if (inner instanceof ModelTimeoutError)
    return new AppError('unavailable', `Model call to ${model} timed out${tried}: ${inner.message}`, {
      cause: error,
    })
  const api = apiErrorOf(error)
  if (api) {
    const status = api.statusCode
    const said = providerMessage(api)
    if (contextOverflow.test(said) || status === 413)
      return new AppError(
        'bad_request',
        `The conversation no longer fits ${model}'s context window: ${said}. Split the task, or use a model with a larger context.`,
        { cause: error },
      )
    if (status === 401 || status === 403)
      return new AppError(
        'unauthorized',
        `${model} refused the API key (${status}): ${said}. Check the key the agent uses (its config.api_key_env, or OPENAI_API_KEY / ANTHROPIC_API_KEY).`,
        { cause: error },
      )
    if (status === 404)
      return new AppError(
        'not_found',
        `${model} was not found (404): ${said}. Check the agent's llm_model.`,
        {
          cause: error,
        },
      )
    if (status === 429)
      return new AppError('rate_limited', `${model} is rate limited${tried}: ${said}`, { cause: error })
    if (status !== undefined && status >= 500)
      return new AppError('unavailable', `${model} failed with ${status}${tried}: ${said}`, { cause: error })
    if (status === undefined)
      return new AppError('unavailable', `Could not reach ${model} at ${api.url}${tried}: ${said}`, {
        cause: error,
      })
    return new AppError('bad_request', `${model} rejected the request (${status}): ${said}`, { cause: error })
  }
  const message = inner instanceof Error ? inner.message : String(inner)
  return new AppError('unavailable', `Model call to ${model} failed${tried}: ${message}`, { cause: error })
}
