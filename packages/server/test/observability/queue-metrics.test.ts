import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { taskExecutions } from '../../src/db/schema.ts'
import { readQueues } from '../../src/executions/queue/read-queues.ts'
import { seedLocalRepository } from '../helpers/seed-local-repo.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

/** The queue gauges' one query, on both databases: every squad, zeros included, from the live rows only. */
describe.skipIf(skipReason)('queue metrics read from the database', () => {
  let server: TestServer
  const post = async <T>(path: string, body?: unknown) => {
    const res = await server.request('POST', path, body === undefined ? {} : { body })
    expect(res.status, JSON.stringify(res.json)).toBeLessThan(300)
    return res.json as T
  }

  beforeAll(async () => {
    // No worker: what is started stays queued until the test moves it.
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('reports each squad’s waiting and running executions and its oldest wait, and serves them on /metrics', async () => {
    const busy = (await post<{ id: string }>('/api/v1/squads', { name: 'Busy' })).id
    const idle = (await post<{ id: string }>('/api/v1/squads', { name: 'Idle' })).id
    const repoId = (await post<{ id: string }>(`/api/v1/squads/${busy}/repositories`, { name: 'hello' })).id
    await seedLocalRepository(server, { squad_id: busy, name: 'hello' })
    const started: string[] = []
    for (const title of ['one', 'two', 'three']) {
      const task = await post<{ id: string }>(`/api/v1/squads/${busy}/tasks`, {
        title,
        repository_id: repoId,
        script: 'true',
      })
      started.push((await post<{ id: string }>(`/api/v1/tasks/${task.id}/executions`)).id)
    }
    const db = server.deps.database.db
    // One runs, one ended long ago (history must not count), one still waits.
    await db
      .update(taskExecutions)
      .set({ status: 'running', startedAt: new Date() })
      .where(eq(taskExecutions.id, started[0] ?? ''))
    await db
      .update(taskExecutions)
      .set({ status: 'failed', finishedAt: new Date() })
      .where(eq(taskExecutions.id, started[1] ?? ''))
    await db
      .update(taskExecutions)
      .set({ queuedAt: new Date(Date.now() - 90_000) })
      .where(eq(taskExecutions.id, started[2] ?? ''))

    const queues = new Map((await readQueues(db)).map((q) => [q.squad, q]))
    expect(queues.get(busy)).toMatchObject({ squad: busy, queued: 1, running: 1 })
    expect(queues.get(busy)?.oldestQueuedSeconds).toBeGreaterThanOrEqual(89)
    expect(queues.get(busy)?.oldestQueuedSeconds).toBeLessThan(600)
    expect(queues.get(idle)).toEqual({ squad: idle, queued: 0, running: 0, oldestQueuedSeconds: 0 })

    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${server.localToken}` },
    })
    const text = await res.text()
    expect(res.status).toBe(200)
    expect(text).toContain(`squad_queue_depth{squad="${busy}"} 1`)
    expect(text).toContain(`squad_queue_depth{squad="${idle}"} 0`)
    expect(text).toContain(`squad_executions_running{squad="${busy}"} 1`)
    expect(text).toMatch(new RegExp(`squad_queue_oldest_wait_seconds\\{squad="${busy}"\\} (89|9\\d|\\d{3})`))
    // The data folder's disk, and process figures from prom-client.
    expect(text).toMatch(/^squad_data_disk_free_bytes [1-9]\d*$/m)
    expect(text).toMatch(/^squad_data_disk_size_bytes [1-9]\d*$/m)
    expect(text).toMatch(/^squad_nodejs_eventloop_lag_p99_seconds /m)
    expect(text).toMatch(/^squad_process_resident_memory_bytes [1-9]/m)
  })
})
