import { apiErrorOf, isRetryable } from './model-errors.ts'

export type RetryOptions = {
  /** Attempts after the first; 0 turns retries off. */
  maxRetries: number
  /** First backoff delay; it doubles each attempt (with jitter) up to `maxDelayMs`. */
  baseDelayMs: number
  maxDelayMs: number
}

export const defaultRetryOptions: RetryOptions = { maxRetries: 4, baseDelayMs: 1000, maxDelayMs: 30_000 }

/**
 * How long the provider asked us to wait: `retry-after-ms` (OpenAI), else `retry-after` in seconds
 * or as an HTTP date. Null when it said nothing usable.
 */
export function retryAfterMs(error: unknown, now = Date.now()): number | null {
  const headers = apiErrorOf(error)?.responseHeaders
  if (!headers) return null
  const ms = Number.parseFloat(headers['retry-after-ms'] ?? '')
  if (Number.isFinite(ms) && ms >= 0) return ms
  const after = headers['retry-after']
  if (!after) return null
  const seconds = Number.parseFloat(after)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(after)
  return Number.isFinite(date) ? Math.max(0, date - now) : null
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })

/** The last failure of a call that will not be tried again, with how many attempts were made. */
export class ModelAttemptsFailed extends Error {
  readonly error: unknown
  readonly attempts: number
  constructor(error: unknown, attempts: number) {
    super(error instanceof Error ? error.message : String(error), { cause: error })
    this.name = 'ModelAttemptsFailed'
    this.error = error
    this.attempts = attempts
  }
}

export type RetryNotice = { attempt: number; delayMs: number; error: unknown; fromHeader: boolean }

/**
 * Calls `fn` until it succeeds, retrying failures that may pass (429, 5xx, 408, transport errors,
 * a model that went silent) with exponential backoff, or exactly as long as the provider's
 * `retry-after` asks. The AI SDK's own retries (turned off by the caller) also read retry-after,
 * but only up to 60 s, silently, and without knowing the run's deadline: here a wait that would
 * outlast the run fails at once, and each retry is announced in the terminal log.
 */
export async function withModelRetries<T>(
  fn: () => Promise<T>,
  options: RetryOptions & {
    signal: AbortSignal
    /** performance.now() time by which the run must end. */
    deadline: number
    onRetry(notice: RetryNotice): void
  },
): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await fn(), attempts: attempt }
    } catch (error) {
      if (options.signal.aborted) throw error
      if (attempt > options.maxRetries || !isRetryable(error)) throw new ModelAttemptsFailed(error, attempt)
      const asked = retryAfterMs(error)
      const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1))
      const delayMs = asked ?? Math.round(backoff * (0.75 + Math.random() * 0.5))
      if (performance.now() + delayMs >= options.deadline) throw new ModelAttemptsFailed(error, attempt)
      options.onRetry({ attempt, delayMs, error, fromHeader: asked !== null })
      await sleep(delayMs, options.signal)
    }
  }
}
