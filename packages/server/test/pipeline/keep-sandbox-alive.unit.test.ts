import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AFTER_WORK_MS, keepSandboxAlive } from '../../src/executions/pipeline/keep-sandbox-alive.ts'
import type { PipelineDeps } from '../../src/executions/pipeline/pipeline-deps.ts'
import type { Sandbox } from '../../src/sandbox/sandbox-provider.ts'

/** A sandbox that only records the deadlines it is given (the timer logic is what is tested here). */
const recordingSandbox = () => {
  const deadlines: number[] = []
  const sandbox = { sandboxId: 'sbx-1', setTimeout: async (ms: number) => void deadlines.push(ms) } as Sandbox
  return { sandbox, deadlines }
}
const deps = { logger: pino({ level: 'silent' }) } as PipelineDeps

describe('keeping a run’s sandbox alive', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('renews the deadline every third of the timeout while the run works, and sets it short once the work is out', async () => {
    const { sandbox, deadlines } = recordingSandbox()
    const ctx = { sandbox: null as Sandbox | null, deps }
    const alive = keepSandboxAlive(ctx, 9 * 60_000)
    await vi.advanceTimersByTimeAsync(3 * 60_000)
    expect(deadlines).toEqual([]) // no sandbox yet (provisioning)
    ctx.sandbox = sandbox
    await vi.advanceTimersByTimeAsync(6 * 60_000)
    expect(deadlines).toEqual([9 * 60_000, 9 * 60_000])
    await alive.workIsOut()
    await vi.advanceTimersByTimeAsync(30 * 60_000)
    expect(deadlines).toEqual([9 * 60_000, 9 * 60_000, AFTER_WORK_MS])
  })

  it('renews at least every 5 minutes however long the timeout, and never after stop', async () => {
    const { sandbox, deadlines } = recordingSandbox()
    const alive = keepSandboxAlive({ sandbox, deps }, 3 * 3_600_000)
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(deadlines).toEqual([3 * 3_600_000, 3 * 3_600_000])
    alive.stop()
    await vi.advanceTimersByTimeAsync(60 * 60_000)
    expect(deadlines).toHaveLength(2)
  })
})
