import { describe, expect, it } from 'vitest'
import { once } from '../../src/git/workspace-cache.ts'

describe('once (per-key serialisation of cache work)', () => {
  it('runs callers of one key one at a time, in order, even when many wait', async () => {
    let running = 0
    let most = 0
    const order: number[] = []
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        once('k', async () => {
          running++
          most = Math.max(most, running)
          await new Promise((r) => setTimeout(r, 5))
          order.push(i)
          running--
        }),
      ),
    )
    expect(most).toBe(1)
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('keeps going after a failure', async () => {
    await expect(once('f', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await once('f', async () => 'ok')).toBe('ok')
  })
})
