import { AppError } from '../../domain/errors.ts'

/** Injected for tests; real time otherwise. */
export type Clock = { now(): number; sleep(ms: number, signal?: AbortSignal): Promise<void> }

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer = setTimeout(done, ms)
      function done() {
        signal?.removeEventListener('abort', abort)
        resolve()
      }
      function abort() {
        clearTimeout(timer)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', abort, { once: true })
    }),
}

/**
 * Spaces sandbox creations at least 1/perSecond apart (E2B limits creates per second per team):
 * each caller reserves the next free slot synchronously, so a burst of twenty leaves one every
 * interval instead of all at once and then nineteen 429s.
 */
export function createRateLimiter(perSecond: number, clock: Clock = realClock) {
  if (!(perSecond > 0)) throw new AppError('bad_request', `creates per second must be positive: ${perSecond}`)
  const interval = 1000 / perSecond
  let next = 0
  return async function admit(signal?: AbortSignal): Promise<void> {
    const now = clock.now()
    const at = Math.max(now, next)
    next = at + interval
    if (at > now) await clock.sleep(at - now, signal)
  }
}

/**
 * At most `limit` live sandboxes of this provider at once (E2B caps running sandboxes per team):
 * a create beyond it waits in line for a slot instead of failing. A slot is held from the create
 * until the sandbox is killed, paused or reaches its deadline (`renew` moves the deadline), so a
 * sandbox E2B ends on its own never holds a slot forever.
 */
export class ConcurrencyCap {
  readonly limit: number
  readonly #clock: Clock
  readonly #held = new Map<string, number>()
  readonly #waiting: Array<() => void> = []
  #reserved = 0
  #timer: NodeJS.Timeout | undefined

  constructor(limit: number, clock: Clock = realClock) {
    if (!Number.isInteger(limit) || limit <= 0)
      throw new AppError(
        'bad_request',
        `the sandbox concurrency cap must be a positive whole number: ${limit}`,
      )
    this.limit = limit
    this.#clock = clock
  }

  /** Live sandboxes plus creates under way. */
  get inUse(): number {
    this.#expire()
    return this.#held.size + this.#reserved
  }

  get queued(): number {
    return this.#waiting.length
  }

  /**
   * Waits for a free slot and reserves it; the returned `settle` gives it to the created sandbox
   * (with its deadline) or, when the create failed, back to the line.
   */
  async acquire(signal?: AbortSignal): Promise<{ settle(sandboxId?: string, endAt?: number): void }> {
    while (this.inUse >= this.limit) {
      if (signal?.aborted) throw signal.reason
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve)
        this.#armExpiry()
      })
    }
    this.#reserved++
    let settled = false
    return {
      settle: (sandboxId, endAt) => {
        if (settled) return
        settled = true
        this.#reserved--
        if (sandboxId && endAt !== undefined) this.hold(sandboxId, endAt)
        else this.#wake()
      },
    }
  }

  /** Counts a sandbox this provider did not create (re-attached or resumed) until its deadline. */
  hold(sandboxId: string, endAt: number) {
    this.#held.set(sandboxId, endAt)
    this.#armExpiry()
  }

  release(sandboxId: string) {
    if (this.#held.delete(sandboxId)) this.#wake()
  }

  #expire() {
    const now = this.#clock.now()
    let freed = false
    for (const [id, endAt] of this.#held)
      if (endAt <= now) {
        this.#held.delete(id)
        freed = true
      }
    if (freed) this.#wake()
  }

  #wake() {
    const free = this.limit - this.#held.size - this.#reserved
    for (const resolve of this.#waiting.splice(0, Math.max(0, free))) resolve()
  }

  /** While someone waits, wake the line when the earliest deadline passes. */
  #armExpiry() {
    if (this.#timer || this.#waiting.length === 0 || this.#held.size === 0) return
    const earliest = Math.min(...this.#held.values())
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined
        this.#expire()
        this.#armExpiry()
      },
      Math.max(0, Math.min(earliest - this.#clock.now(), 2 ** 31 - 1)),
    )
    this.#timer.unref()
  }
}

/**
 * Retries `fn` while it fails with a retryable `rate_limited` AppError, waiting base·2^n ms with
 * full jitter (capped), at most `attempts` tries in all. The SDK already honours a 429's
 * Retry-After itself; this covers 429s without one, or still refused after it.
 */
export async function retryRateLimited<T>(
  fn: () => Promise<T>,
  opts: { attempts: number; baseDelayMs: number; maxDelayMs?: number; clock?: Clock; signal?: AbortSignal },
): Promise<T> {
  const clock = opts.clock ?? realClock
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      const limited = error instanceof AppError && error.code === 'rate_limited'
      if (!limited || attempt >= opts.attempts) throw error
      const ceiling = Math.min(opts.maxDelayMs ?? 30_000, opts.baseDelayMs * 2 ** (attempt - 1))
      await clock.sleep(Math.round(Math.random() * ceiling), opts.signal)
    }
  }
}
