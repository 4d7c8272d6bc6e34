import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, skipReason, type TestDatabase, testDbKind } from '../helpers/test-db.ts'
import { eventually, listenBackendPids } from './event-fixtures.ts'

/** The LISTEN half of the Database port, run against whichever adapter this project uses. */
describe.skipIf(skipReason)(`Database.listen (${testDbKind})`, () => {
  let test: TestDatabase
  beforeAll(async () => {
    test = await createTestDatabase({ migrate: false })
  })
  afterAll(async () => {
    await test?.drop()
  })

  const notify = (channel: string, payload: string) =>
    test.database.db.execute(sql`select pg_notify(${channel}, ${payload})`)

  it('delivers a NOTIFY once its transaction commits, never one that rolls back', async () => {
    const received: string[] = []
    const unlisten = await test.database.listen('listen_commit', (p) => received.push(p))
    await test.database.db
      .transaction(async (tx) => {
        await tx.execute(sql`select pg_notify('listen_commit', 'rolled back')`)
        throw new Error('rollback')
      })
      .catch(() => {})
    await test.database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_notify('listen_commit', 'one')`)
      await tx.execute(sql`select pg_notify('listen_commit', 'two')`)
    })
    await eventually(() => received.length >= 2)
    expect(received).toEqual(['one', 'two'])
    await unlisten()
  })

  it('fans one channel out to every listener and stops each on unlisten', async () => {
    const a: string[] = []
    const b: string[] = []
    const stopA = await test.database.listen('listen_fan', (p) => a.push(p))
    const stopB = await test.database.listen('listen_fan', (p) => b.push(p))
    await notify('listen_fan', '1')
    await eventually(() => a.length === 1 && b.length === 1)
    await stopA()
    await notify('listen_fan', '2')
    await eventually(() => b.length === 2)
    await stopB()
    await notify('listen_fan', '3')
    // A marker on another channel, listened to now, arrives after '3' would have.
    const marker: string[] = []
    const stopMarker = await test.database.listen('listen_marker', (p) => marker.push(p))
    await notify('listen_marker', 'm')
    await eventually(() => marker.length === 1)
    expect(a).toEqual(['1'])
    expect(b).toEqual(['1', '2'])
    await stopMarker()
  })

  it.skipIf(testDbKind === 'pglite')(
    'survives its connection being killed: re-listens and reports the reconnect once (postgres only: PGlite has no connection to kill)',
    async () => {
      const received: string[] = []
      let reconnects = 0
      test.database.onReconnect(() => reconnects++)
      const unlisten = await test.database.listen('listen_kill', (p) => received.push(p))
      const backends = () => listenBackendPids(test.database.db)
      const [before] = await backends()
      await test.database.db.execute(sql`select pg_terminate_backend(${before})`)
      await eventually(() => reconnects === 1)
      await notify('listen_kill', 'after')
      await eventually(() => received.length === 1)
      expect(received).toEqual(['after'])
      const after = await backends()
      expect(after).toHaveLength(1)
      expect(after[0]).not.toBe(before)
      // pg reports one loss several ways ('error' twice, then 'end'); still a single retry loop.
      await new Promise((r) => setTimeout(r, 600))
      expect(reconnects).toBe(1)
      await unlisten()
    },
  )
})
