import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgres } from '../../src/db/postgres.ts'
import {
  append,
  createSquad,
  eventually,
  listenBackendPids,
  logIds,
  squadUpdated,
} from '../events/event-fixtures.ts'
import { openSse } from '../helpers/sse-client.ts'
import { skipReason, type TestDatabase, testDbKind } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

const pgliteReason =
  testDbKind === 'pglite'
    ? 'PGlite is an in-process database with no LISTEN connection to lose and no second process to reach; postgres only'
    : null
if (pgliteReason && !skipReason) console.warn(`[skip] ${pgliteReason}`)

const listenBackends = (server: TestServer) => listenBackendPids(server.db.database.db)

describe.skipIf(skipReason ?? pgliteReason)('SSE across server processes on one PostgreSQL database', () => {
  let first: TestServer
  let second: TestServer
  beforeAll(async () => {
    first = await startTestServer()
    // Its own pool and its own LISTEN connection: to the database, a second process.
    const url = first.db.url as string
    const database = await openPostgres(url)
    const secondDb: TestDatabase = { database, url, drop: () => database.close() }
    second = await startTestServer({ db: secondDb })
  })
  afterAll(async () => {
    await second?.stop()
    await second?.db.drop()
    await first?.stop()
  })

  it("streams each server's events live from the other", async () => {
    expect(await listenBackends(first)).toHaveLength(2)
    const squad = await createSquad(first, 'shared')
    const key = { kind: 'squad', id: squad.id } as const
    const onFirst = await openSse(`${first.url}/api/v1/sse/squads/${squad.id}`)
    const onSecond = await openSse(`${second.url}/api/v1/sse/squads/${squad.id}`)
    await onFirst.waitForEvents(1)
    await onSecond.waitForEvents(1)

    for (let i = 0; i < 5; i++) {
      const via = i % 2 ? first : second
      const res = await via.request('PATCH', `/api/v1/squads/${squad.id}`, { body: { description: `d${i}` } })
      expect(res.status).toBe(200)
      await append(via.db.database.db, squadUpdated(squad, `direct ${i}`))
    }
    const log = await logIds(first.db.database.db, key)
    expect(log).toHaveLength(11)
    for (const client of [onFirst, onSecond]) {
      await client.waitFor((m) => m.id === String(log.at(-1)))
      expect(client.events.map((e) => e.id)).toEqual(log)
      client.abort()
    }
  })
})

describe.skipIf(skipReason ?? pgliteReason)('SSE when the LISTEN connection is killed', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('re-listens and delivers the events committed while it was gone, then live ones', async () => {
    const db = server.db.database.db
    const squad = await createSquad(server, 'survivor')
    const key = { kind: 'squad', id: squad.id } as const
    const client = await openSse(`${server.url}/api/v1/sse/squads/${squad.id}`)
    await client.waitForEvents(1)

    const [before] = await listenBackends(server)
    expect(before).toBeTypeOf('number')
    await db.execute(sql`select pg_terminate_backend(${before})`)
    // Committed while nobody of this process listens: their NOTIFYs are lost for good.
    for (let i = 0; i < 5; i++) await append(db, squadUpdated(squad, `meanwhile ${i}`))

    const whileAway = await logIds(db, key)
    await client.waitFor((m) => m.id === String(whileAway.at(-1)), { timeoutMs: 10_000 })
    await eventually(async () => {
      const pids = await listenBackends(server)
      return pids.length === 1 && pids[0] !== before
    })

    const [live] = await append(db, squadUpdated(squad, 'after'))
    await client.waitFor((m) => m.id === String(live))
    expect(client.events.map((e) => e.id)).toEqual(await logIds(db, key))
    expect(client.ended).toBe(false)
    client.abort()
  })
})
