import { describe, expect, it } from 'vitest'
import { queueWaitSeconds } from '../../../src/executions/queue/queue-wait.ts'

const LEASE = 15_000
const at = (ms: number) => new Date(Date.UTC(2026, 11, 3, 12) + ms)

describe('queueWaitSeconds', () => {
  it("is the time from queued to the first claim, read from the claim's own timestamps", () => {
    // The first claim set started_at and the lease in one statement: a lease apart, to the microsecond.
    const row = { queuedAt: at(0), startedAt: at(2_500), leaseExpiresAt: at(2_500 + LEASE) }
    expect(queueWaitSeconds(row, LEASE)).toBe(2.5)
  })

  it('is null for a resumed execution: its wait was counted when it was first claimed', () => {
    const row = { queuedAt: at(0), startedAt: at(2_500), leaseExpiresAt: at(60_000 + LEASE) }
    expect(queueWaitSeconds(row, LEASE)).toBeNull()
  })

  it('is null for a row no claim has started', () => {
    expect(queueWaitSeconds({ queuedAt: at(0), startedAt: null, leaseExpiresAt: null }, LEASE)).toBeNull()
  })
})
