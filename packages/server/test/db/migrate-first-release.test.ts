import { sql } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { streamKeysOf } from '../../src/events/stream-event.ts'
import { readSquadSecret } from '../../src/secrets/read-squad-secret.ts'
import { openSecretBox } from '../../src/secrets/secret-box.ts'
import { journal, migrateTo } from '../helpers/migrate-to.ts'
import { createSseParser, type SseMessage } from '../helpers/sse-client.ts'
import { createTestDatabase, skipReason, type TestDatabase, testDbKind } from '../helpers/test-db.ts'
import { startTestServer } from '../helpers/test-server.ts'
import {
  firstReleaseEvents,
  ids,
  insertSchema0000Rows,
  insertSchema0001Rows,
  SECRET_KEY,
  SECRET_VALUE,
} from './first-release-fixture.ts'

const TABLES = [
  'users',
  'api_tokens',
  'squads',
  'squad_members',
  'repositories',
  'tasks',
  'task_executions',
  'execution_steps',
  'sandboxes',
  'events',
  'pull_requests',
  'secrets',
] as const

/** Columns renamed since the first release: a row keeps its value under the new name. */
const RENAMED: Partial<Record<(typeof TABLES)[number], Record<string, string>>> = {
  sandboxes: { e2b_id: 'provider_sandbox_id' }, // 0007_neutral_sandbox_id
}

const renamed = (table: (typeof TABLES)[number], row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [RENAMED[table]?.[k] ?? k, v]))

const rowsOf = async (database: Database, table: string) =>
  (
    (await database.db.execute(sql.raw(`select * from ${table} order by id`))) as unknown as {
      rows: Record<string, unknown>[]
    }
  ).rows

/** Every event of a stream from the start, through the real SSE route, without the live tail. */
async function replay(url: string, count: number): Promise<SseMessage[]> {
  const controller = new AbortController()
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal })
  const received: SseMessage[] = []
  const parser = createSseParser({ onMessage: (m) => m.id !== null && received.push(m) })
  const decoder = new TextDecoder()
  try {
    for await (const chunk of res.body as ReadableStream<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }))
      if (received.length >= count) break
    }
  } finally {
    controller.abort()
  }
  return received
}

describe.skipIf(skipReason)(`a database made by the first release, migrated to today (${testDbKind})`, () => {
  let test: TestDatabase | undefined
  afterEach(async () => {
    await test?.drop()
    test = undefined
  })

  it('keeps every row, replays every stream and still decrypts its secrets', async () => {
    test = await createTestDatabase({ migrate: false })
    const { database } = test
    await migrateTo(database, 1)
    await insertSchema0000Rows(database)
    await migrateTo(database, 2)
    await insertSchema0001Rows(database)
    const before = Object.fromEntries(
      await Promise.all(TABLES.map(async (t) => [t, await rowsOf(database, t)])),
    )

    await database.migrate()
    const applied = await database.db.execute(
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    )
    expect((applied as unknown as { rows: Array<{ n: number }> }).rows[0]?.n).toBe(journal.entries.length)
    // Every row is there with every value it had; columns added since hold their defaults.
    for (const table of TABLES) {
      const after = await rowsOf(database, table)
      expect(after, table).toHaveLength(before[table].length)
      for (const [n, row] of after.entries())
        expect(row, `${table} row ${n}`).toMatchObject(renamed(table, before[table][n]))
    }
    const [execution] = await rowsOf(database, 'task_executions')
    expect(execution).toMatchObject({
      run_reason: 'start',
      cancel_requested: false,
      options: {},
      lease_owner: null,
    })
    expect((await rowsOf(database, 'sandboxes'))[0]?.provider_sandbox_id).toBe('sbx-first-release')
    const tasks = await rowsOf(database, 'tasks')
    expect(tasks.map((t) => t.blocked_by)).toEqual([[], [], []])

    const box = openSecretBox({ key: SECRET_KEY.toString('base64'), keyFile: '/nonexistent/secret.key' })
    expect(await readSquadSecret({ db: database.db, box, squadId: ids.squad, name: 'GITHUB_TOKEN' })).toBe(
      SECRET_VALUE,
    )

    // Each stream replays its events through the real SSE route: all of them, in order, once, as stored.
    const server = await startTestServer({ db: test })
    try {
      const stored = (await rowsOf(database, 'events')).map((row) => ({
        id: String(row.id),
        type: row.type,
        payload: row.payload,
        keys: streamKeysOf({
          scope: row.scope as 'squad',
          squad_id: row.squad_id as string,
          task_id: row.task_id as string | null,
          execution_id: row.execution_id as string | null,
        }),
      }))
      expect(stored.map((e) => e.type)).toEqual(firstReleaseEvents().map((e) => e.type))
      const streams = [
        ['squads', ids.squad],
        ['squads', ids.otherSquad],
        ...ids.tasks.map((t) => ['tasks', t]),
        ['executions', ids.executions[0]],
      ] as const
      for (const [kind, streamId] of streams) {
        const key = `${kind.slice(0, -1)}:${streamId}`
        const expected = stored.filter((e) => e.keys.includes(key))
        expect(expected.length, key).toBeGreaterThan(0)
        const got = await replay(`${server.url}/api/v1/sse/${kind}/${streamId}`, expected.length)
        expect(
          got.map((m) => ({
            id: m.id,
            type: m.event,
            payload: (JSON.parse(m.data) as { payload: unknown }).payload,
          })),
          key,
        ).toEqual(expected.map(({ id, type, payload }) => ({ id, type, payload })))
      }
    } finally {
      await server.stop()
    }
  }, 120_000)
})
