export type RetryOptions = {
  attempts?: number
  baseDelayMs?: number
  maxDelayMs?: number
  /** Decides whether a failure is worth another try. */
  shouldRetry: (error: unknown) => boolean
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void
  signal?: AbortSignal
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Exponential backoff with full jitter (AWS style): delay = random(0, min(max, base * 2^n)). */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 4
  const base = options.baseDelayMs ?? 500
  const max = options.maxDelayMs ?? 8000
  const sleep = options.sleep ?? defaultSleep
  const random = options.random ?? Math.random
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (attempt >= attempts || !options.shouldRetry(error) || options.signal?.aborted) throw error
      const delayMs = Math.round(random() * Math.min(max, base * 2 ** (attempt - 1)))
      options.onRetry?.({ attempt, delayMs, error })
      await sleep(delayMs)
    }
  }
}
