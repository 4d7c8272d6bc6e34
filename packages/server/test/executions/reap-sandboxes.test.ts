import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reapSandboxes } from '../../src/executions/reap-sandboxes.ts'
import { createSandboxMetrics } from '../../src/observability/sandbox-metrics.ts'
import { ProcessSandboxProvider } from '../../src/sandbox/process/process-sandbox-provider.ts'
import { createTestDatabase, skipReason, type TestDatabase } from '../helpers/test-db.ts'

const value = async (registry: Registry, name: string) =>
  (await registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels.provider === 'process')?.value

describe.skipIf(skipReason)('the sandbox reaper', () => {
  let test: TestDatabase
  let scratch: string
  beforeAll(async () => {
    test = await createTestDatabase()
    scratch = await mkdtemp(join(tmpdir(), 'squad-reap-'))
  })
  afterAll(async () => {
    await test?.drop()
    await rm(scratch, { recursive: true, force: true })
  })

  it('kills sandboxes no execution owns and reports the pass to /metrics: reaped, and none left live', async () => {
    // The process provider: no bubblewrap needed, and the reaper treats every provider alike.
    const provider = new ProcessSandboxProvider({
      root: join(scratch, 'sandboxes'),
      logger: { warn: () => {} },
    })
    await provider.create({ metadata: { execution_id: randomUUID() } })
    await provider.create({ metadata: { execution_id: randomUUID() } })
    const registry = new Registry()
    const metrics = createSandboxMetrics(registry, 'process')
    metrics.created()
    const passes: unknown[] = []
    const { killed } = await reapSandboxes({
      db: test.database.db,
      provider,
      logger: pino({ level: 'silent' }),
      onPass: (pass) => {
        passes.push(pass)
        metrics.reaped(pass)
      },
    })
    expect(killed).toHaveLength(2)
    expect(await provider.list()).toEqual([])
    expect(passes).toEqual([{ live: 0, killed: 2, failed: 0 }])
    expect(await value(registry, 'squad_sandboxes_reaped_total')).toBe(2)
    expect(await value(registry, 'squad_sandboxes_live')).toBe(0)
    expect(await value(registry, 'squad_sandbox_reap_failures_total')).toBe(0)
    expect(await value(registry, 'squad_sandboxes_created_total')).toBe(1)
  })
})
