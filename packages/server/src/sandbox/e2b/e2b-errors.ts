import {
  AuthenticationError,
  FileNotFoundError,
  InvalidArgumentError,
  NotEnoughSpaceError,
  NotFoundError,
  RateLimitError,
  SandboxError,
  SandboxNotFoundError,
  ServiceBusyError,
  TemplateError,
  TimeoutError,
} from 'e2b'
import { AppError, sandboxGone } from '../../domain/errors.ts'

/** What was being done, for the message: `create`, `connect`, `files.read notes.txt`… */
export type E2bErrorContext = { action: string; sandboxId?: string; template?: string }

const KEY_HINT = 'check E2B_API_KEY (the server environment or the squad secret E2B_API_KEY)'

/** Node's fetch failures: nothing answered, so the request may be tried again. */
function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  const code = (error.cause as { code?: unknown } | undefined)?.code ?? (error as { code?: unknown }).code
  return (
    (error instanceof TypeError && /fetch failed/i.test(error.message)) ||
    (typeof code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|UND_ERR_)/.test(code))
  )
}

/**
 * The one translation of E2B's errors into the project's: every call the adapter makes to the SDK
 * goes through it, so the pipeline only ever sees AppError codes, with `retryable` saying whether a
 * later try can help. A sandbox E2B says it does not know is `sandbox_gone`; a sandbox that did not
 * answer is `unavailable` and retryable (whether it is gone is for `settle` in the provider to ask).
 */
export function translateE2bError(error: unknown, context: E2bErrorContext): AppError {
  if (error instanceof AppError) return error
  const what = context.sandboxId
    ? `${context.action} on E2B sandbox ${context.sandboxId}`
    : `E2B ${context.action}`
  const reason = error instanceof Error ? error.message : String(error)
  const wrap = (code: ConstructorParameters<typeof AppError>[0], message: string, retryable: boolean) =>
    new AppError(code, message, { cause: error, retryable, details: { provider: 'e2b' } })
  // Order matters: the specific SDK classes extend the general ones.
  if (error instanceof SandboxNotFoundError) {
    const gone = context.sandboxId ? sandboxGone(context.sandboxId) : undefined
    return gone ?? wrap('not_found', `${what}: ${reason}`, false)
  }
  if (error instanceof FileNotFoundError) return wrap('not_found', `${what}: no such file or folder`, false)
  if (error instanceof NotFoundError) {
    if (context.action === 'create' && context.template)
      return wrap(
        'unavailable',
        `E2B has no template "${context.template}": build it from deploy/e2b (docs/e2b.md) or choose another in the squad settings`,
        false,
      )
    return wrap('not_found', `${what}: ${reason}`, false)
  }
  if (error instanceof AuthenticationError)
    return wrap('unavailable', `E2B refused the API key during ${context.action}: ${KEY_HINT}`, false)
  if (error instanceof RateLimitError) return wrap('rate_limited', `${what} was rate limited by E2B`, true)
  if (error instanceof ServiceBusyError) return wrap('unavailable', `${what}: E2B is busy, try again`, true)
  if (error instanceof TemplateError)
    return wrap(
      'unavailable',
      `${what}: the template is too old for this SDK (${reason}); rebuild it from deploy/e2b (docs/e2b.md)`,
      false,
    )
  if (error instanceof NotEnoughSpaceError)
    return wrap('unavailable', `${what}: the sandbox disk is full`, false)
  if (error instanceof InvalidArgumentError) return wrap('bad_request', `${what}: ${reason}`, false)
  if (error instanceof TimeoutError) return wrap('unavailable', `${what} timed out: ${reason}`, true)
  if (isNetworkFailure(error))
    return wrap('unavailable', `${what}: E2B could not be reached (${reason})`, true)
  if (error instanceof SandboxError) {
    const status = error.statusCode
    if (status !== undefined && status >= 500) return wrap('unavailable', `${what}: ${reason}`, true)
    return wrap('internal', `${what}: ${reason}`, false)
  }
  return wrap('internal', `${what}: ${reason}`, false)
}

/** Runs one SDK call and translates whatever it throws. */
export async function e2bCall<T>(context: E2bErrorContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw translateE2bError(error, context)
  }
}
