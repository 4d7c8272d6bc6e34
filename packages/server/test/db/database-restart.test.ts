import { Health } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgres } from '../../src/db/postgres.ts'
import { type OwnPostgres, ownPostgresSkip, startOwnPostgres } from '../helpers/own-postgres.ts'
import { openSse, type SseClient } from '../helpers/sse-client.ts'
import { testDbKind } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createTask, setupSquad, startTask, waitForExecution } from '../pipeline/pipeline-fixture.ts'
import { pipelineSkip, pullsOf, sleep } from '../pipeline/pipeline-probes.ts'

const TASKS = 5

/** Polls /health until `status`, returning the body that said so. */
async function healthUntil(server: TestServer, status: 'ok' | 'degraded', timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const res = await server.request('GET', '/api/v1/health')
    const body = Health.parse(res.json)
    if (body.status === status) return { http: res.status, body }
    await sleep(100)
  }
  throw new Error(`/health never said ${status}`)
}

// PostgreSQL only: an embedded PGlite lives in the server's own process and cannot go away on its
// own. The cluster is the test's own (stopping the shared one would break every other test).
describe.skipIf(
  testDbKind === 'pglite' ? 'PostgreSQL only (PGlite cannot go away)' : (ownPostgresSkip ?? pipelineSkip),
)('PostgreSQL going away while five tasks run', () => {
  let cluster: OwnPostgres
  let server: TestServer
  beforeAll(async () => {
    cluster = await startOwnPostgres()
    const admin = new pg.Client({ connectionString: cluster.adminUrl })
    await admin.connect()
    await admin.query('create database squad')
    await admin.end()
    const url = cluster.adminUrl.replace(/\/postgres$/, '/squad')
    const database = await openPostgres(url)
    await database.migrate()
    server = await startTestServer({
      db: { database, url, drop: () => database.close() },
      env: {
        SQUAD_WORKER: 'true',
        SQUAD_MAX_CONCURRENCY: String(TASKS),
        SQUAD_SQUAD_CONCURRENCY: String(TASKS),
        SQUAD_LEASE_MS: '2000',
      },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 50 },
    })
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    await cluster?.destroy()
  })

  it('reconnects by itself: each task ends once with one pull request, and no stream loses or repeats an event', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'README.md': '# restart\n' })
    const tasks = []
    for (let n = 1; n <= TASKS; n++)
      tasks.push(
        await createTask(server, squad.id, {
          title: `Add file ${n}`,
          repository_id: repo.id,
          assignee_id: agent.id,
          // Long enough that every task is mid-run while the database is away.
          script: `for i in 1 2 3 4 5 6; do echo "tick $i"; sleep 0.5; done\necho ${n} > file-${n}.txt`,
        }),
      )
    const started = await Promise.all(tasks.map((t) => startTask(server, t.id)))
    // Live streams opened before the outage: they must come out of it with every event, once.
    const live: SseClient[] = await Promise.all(
      started.map((e) => openSse(`${server.url}/api/v1/sse/executions/${e.id}`)),
    )
    const squadLive = await openSse(`${server.url}/api/v1/sse/squads/${squad.id}`)
    await Promise.all(
      started.map((e) => waitForExecution(server, e.id, { until: (x) => x.status === 'running' })),
    )

    await cluster.stop()
    const down = await healthUntil(server, 'degraded')
    expect(down.http).toBe(503)
    expect(down.body.reason).toMatch(/database/)
    await sleep(1500)
    await cluster.start()
    expect((await healthUntil(server, 'ok')).http).toBe(200)

    const done = await Promise.all(started.map((e) => waitForExecution(server, e.id, { timeoutMs: 120_000 })))
    expect(done.map((e) => e.status)).toEqual(Array(TASKS).fill('succeeded'))
    // One execution per task, and one pull request each.
    const pulls = await pullsOf(server, repo.id)
    expect(pulls.map((p) => p.head).sort()).toEqual(tasks.map((t) => `task-${t.number}`).sort())

    for (const [n, execution] of started.entries()) {
      const stored = (
        (await server.db.database.db.execute(
          sql`select id from events where execution_id = ${execution.id} order by id`,
        )) as unknown as { rows: Array<{ id: string | number }> }
      ).rows.map((r) => Number(r.id))
      const client = live[n] as SseClient
      // The stream that lived through the outage: every stored event, in order, none twice.
      await client.waitFor((m) => m.id === String(stored.at(-1)), { timeoutMs: 15_000 })
      expect(client.events.map((e) => e.id)).toEqual(stored)
      // And a replay from the start agrees with it.
      const replayed = await openSse(`${server.url}/api/v1/sse/executions/${execution.id}`)
      expect((await replayed.waitForEvents(stored.length)).map((e) => e.id)).toEqual(stored)
      replayed.abort()
      client.abort()
      // Finished exactly once: one successful cleanup, one execution row for the task.
      const cleanups = client.events.filter(
        (e) => e.type === 'step.updated' && e.payload.name === 'cleanup' && e.payload.status === 'succeeded',
      )
      expect(cleanups).toHaveLength(1)
    }
    const squadIds = squadLive.events.map((e) => e.id)
    expect(new Set(squadIds).size).toBe(squadIds.length)
    const runs = await server.db.database.db.execute(
      sql`select task_id, count(*)::int as n from task_executions where squad_id = ${squad.id} group by task_id`,
    )
    expect((runs as unknown as { rows: Array<{ n: number }> }).rows.map((r) => r.n)).toEqual(
      Array(TASKS).fill(1),
    )
    squadLive.abort()
  }, 240_000)
})
