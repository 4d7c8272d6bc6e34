import { sql } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { openPostgres } from '../../src/db/postgres.ts'
import { journal, migrateTo } from '../helpers/migrate-to.ts'
import { createTestDatabase, skipReason, type TestDatabase, testDbKind } from '../helpers/test-db.ts'

const rows = async <T>(database: Database, query: ReturnType<typeof sql>) =>
  ((await database.db.execute(query)) as unknown as { rows: T[] }).rows

const appliedCount = async (database: Database) =>
  Number(
    (await rows<{ n: string }>(database, sql`select count(*) as n from drizzle.__drizzle_migrations`))[0]?.n,
  )

const tablesOf = async (database: Database) =>
  (
    await rows<{ table_name: string }>(
      database,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    )
  ).map((r) => r.table_name)

const ids = {
  user: '00000000-0000-7000-8000-00000000a001',
  squad: '00000000-0000-7000-8000-00000000a002',
  task: '00000000-0000-7000-8000-00000000a003',
  execution: '00000000-0000-7000-8000-00000000a004',
}

/** Rows written with plain SQL valid since the first migration, so they fit every later schema. */
async function insertFixture(database: Database) {
  await database.db.execute(sql`insert into users (id, name, is_admin) values (${ids.user}, 'ada', true)`)
  await database.db.execute(
    sql`insert into squads (id, user_id, name, config) values (${ids.squad}, ${ids.user}, 'Core', '{"max_concurrency":2}')`,
  )
  await database.db.execute(
    sql`insert into tasks (id, squad_id, number, title, labels) values (${ids.task}, ${ids.squad}, 1, 'Fix it', '["bug"]')`,
  )
  await database.db.execute(
    sql`insert into task_executions (id, task_id, squad_id, status) values (${ids.execution}, ${ids.task}, ${ids.squad}, 'succeeded')`,
  )
  await database.db.execute(
    sql`insert into events (scope, type, squad_id, payload) values ('squad', 'squad.created', ${ids.squad}, '{"id":"x"}')`,
  )
}

async function expectFixtureIntact(database: Database) {
  expect(await rows(database, sql`select name, is_admin from users where id = ${ids.user}`)).toEqual([
    { name: 'ada', is_admin: true },
  ])
  expect(await rows(database, sql`select name, config from squads where id = ${ids.squad}`)).toEqual([
    { name: 'Core', config: { max_concurrency: 2 } },
  ])
  expect(await rows(database, sql`select number, title, labels from tasks where id = ${ids.task}`)).toEqual([
    { number: 1, title: 'Fix it', labels: ['bug'] },
  ])
  expect(await rows(database, sql`select status from task_executions where id = ${ids.execution}`)).toEqual([
    { status: 'succeeded' },
  ])
  expect(await rows(database, sql`select type, payload from events where squad_id = ${ids.squad}`)).toEqual([
    { type: 'squad.created', payload: { id: 'x' } },
  ])
}

describe.skipIf(skipReason)(`migrations (${testDbKind})`, () => {
  let test: TestDatabase | undefined
  afterEach(async () => {
    await test?.drop()
    test = undefined
  })

  it('creates the whole schema on an empty database', async () => {
    test = await createTestDatabase({ migrate: false })
    expect(await tablesOf(test.database)).toEqual([])
    await test.database.migrate()
    expect(await appliedCount(test.database)).toBe(journal.entries.length)
    const tables = await tablesOf(test.database)
    for (const table of ['users', 'api_tokens', 'squads', 'squad_members', 'repositories', 'tasks'])
      expect(tables).toContain(table)
    for (const table of ['task_executions', 'execution_steps', 'sandboxes', 'events'])
      expect(tables).toContain(table)
  })

  it('is a no-op the second time, and keeps the data', async () => {
    test = await createTestDatabase({ migrate: false })
    await test.database.migrate()
    const tables = await tablesOf(test.database)
    await insertFixture(test.database)
    await test.database.migrate()
    await test.database.migrate()
    expect(await appliedCount(test.database)).toBe(journal.entries.length)
    expect(await tablesOf(test.database)).toEqual(tables)
    await expectFixtureIntact(test.database)
  })

  it.skipIf(journal.entries.length < 2)(
    'upgrades a database made by the first release, keeping its data',
    async () => {
      test = await createTestDatabase({ migrate: false })
      await migrateTo(test.database, 1)
      expect(await appliedCount(test.database)).toBe(1)
      await insertFixture(test.database)
      await test.database.migrate()
      expect(await appliedCount(test.database)).toBe(journal.entries.length)
      await expectFixtureIntact(test.database)
    },
  )

  it.skipIf(testDbKind === 'pglite')(
    // Skipped on PGlite: it is one process's database (squad serve holds the data folder's lock),
    // so two servers can never migrate it at once. On Postgres they can, and the advisory lock orders them.
    'lets two processes migrate one Postgres database at once',
    async () => {
      test = await createTestDatabase({ migrate: false })
      const url = test.url
      if (!url) throw new Error('a Postgres test database has a URL')
      const others = await Promise.all([openPostgres(url), openPostgres(url), openPostgres(url)])
      try {
        await Promise.all([test.database.migrate(), ...others.map((d) => d.migrate())])
      } finally {
        await Promise.all(others.map((d) => d.close()))
      }
      expect(await appliedCount(test.database)).toBe(journal.entries.length)
      await insertFixture(test.database)
      await expectFixtureIntact(test.database)
    },
  )

  it('refuses a database migrated by a newer server, naming both schema versions, and changes nothing', async () => {
    test = await createTestDatabase()
    await insertFixture(test.database)
    // What a newer release leaves behind: one more migration than this server ships.
    const last = journal.entries.at(-1)
    await test.database.db.execute(
      sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('from-a-newer-release', ${(last?.when ?? 0) + 1000})`,
    )
    const known = journal.entries.length
    const refusal = new RegExp(
      `newer Agent Squad: it has schema version ${known + 1} \\(1 migration this server does not know\\), ` +
        `and this server \\([^)]+\\) knows schema version ${known} \\(up to ${last?.tag}\\)`,
    )
    await expect(test.database.migrate()).rejects.toThrow(refusal)
    // The server start goes through the same migrate(): it stops before serving anything.
    const { loadConfig } = await import('../../src/config.ts')
    const { startServer } = await import('../../src/server.ts')
    const config = loadConfig({
      env: {},
      cwd: '/nonexistent',
      overrides: {
        PORT: '0',
        SQUAD_LOG_LEVEL: 'silent',
        SQUAD_WORKER: 'false',
        SQUAD_DATA_DIR: '/nonexistent/data',
      },
    })
    await expect(startServer(config, { database: test.database })).rejects.toThrow(refusal)
    expect(await appliedCount(test.database)).toBe(known + 1)
    await expectFixtureIntact(test.database)
  })
})
