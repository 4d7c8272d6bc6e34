import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/domain/errors.ts'
import {
  type Clock,
  ConcurrencyCap,
  createRateLimiter,
  retryRateLimited,
} from '../../../src/sandbox/e2b/create-admission.ts'

/** A clock that stands still unless advanced; its sleeps return at once and record their length. */
function fakeClock() {
  let now = 1_000_000
  const slept: number[] = []
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms)
    },
  }
  return { clock, slept, advance: (ms: number) => (now += ms) }
}

describe('createRateLimiter', () => {
  it('spaces a burst of creates 1/perSecond apart, the first at once', async () => {
    const { clock, slept } = fakeClock()
    const admit = createRateLimiter(4, clock)
    await Promise.all([admit(), admit(), admit(), admit()])
    expect(slept).toEqual([250, 500, 750])
  })

  it('lets a create through at once after a quiet spell', async () => {
    const { clock, slept, advance } = fakeClock()
    const admit = createRateLimiter(2, clock)
    await admit()
    advance(5000)
    await admit()
    expect(slept).toEqual([])
    expect(() => createRateLimiter(0)).toThrowError(AppError)
  })
})

describe('ConcurrencyCap', () => {
  it('queues creates beyond the cap and lets one through as each sandbox goes', async () => {
    const { clock } = fakeClock()
    const cap = new ConcurrencyCap(2, clock)
    const far = clock.now() + 3_600_000
    ;(await cap.acquire()).settle('a', far)
    ;(await cap.acquire()).settle('b', far)
    let third = false
    const waiting = cap.acquire().then((slot) => {
      third = true
      return slot
    })
    await new Promise((resolve) => setImmediate(resolve))
    expect(third).toBe(false)
    expect(cap.queued).toBe(1)
    cap.release('a')
    ;(await waiting).settle('c', far)
    expect(third).toBe(true)
    expect(cap.inUse).toBe(2)
  })

  it('gives the slot of a failed create back, and frees a sandbox at its deadline', async () => {
    const { clock, advance } = fakeClock()
    const cap = new ConcurrencyCap(1, clock)
    ;(await cap.acquire()).settle()
    expect(cap.inUse).toBe(0)
    ;(await cap.acquire()).settle('short', clock.now() + 1000)
    expect(cap.inUse).toBe(1)
    advance(1001)
    expect(cap.inUse).toBe(0)
    expect(() => new ConcurrencyCap(0)).toThrowError(AppError)
  })
})

describe('retryRateLimited', () => {
  it('retries a rate-limited call with growing backoff until it succeeds', async () => {
    const { clock, slept } = fakeClock()
    let calls = 0
    const result = await retryRateLimited(
      async () => {
        calls++
        if (calls < 4) throw new AppError('rate_limited', 'slow down', { retryable: true })
        return 'made'
      },
      { attempts: 5, baseDelayMs: 100, clock },
    )
    expect(result).toBe('made')
    expect(calls).toBe(4)
    expect(slept).toHaveLength(3)
    slept.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0)
      expect(ms).toBeLessThanOrEqual(100 * 2 ** i)
    })
  })

  it('gives up after its attempts and never retries other failures', async () => {
    const { clock } = fakeClock()
    let calls = 0
    const limited = () => {
      calls++
      return Promise.reject(new AppError('rate_limited', 'slow down', { retryable: true }))
    }
    await expect(retryRateLimited(limited, { attempts: 3, baseDelayMs: 10, clock })).rejects.toMatchObject({
      code: 'rate_limited',
    })
    expect(calls).toBe(3)
    calls = 0
    const auth = () => {
      calls++
      return Promise.reject(new AppError('unavailable', 'bad key'))
    }
    await expect(retryRateLimited(auth, { attempts: 3, baseDelayMs: 10, clock })).rejects.toMatchObject({
      code: 'unavailable',
    })
    expect(calls).toBe(1)
  })
})
