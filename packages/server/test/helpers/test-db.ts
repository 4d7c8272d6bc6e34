import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Database, DatabaseKind } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { openPostgres } from '../../src/db/postgres.ts'

/** Which database this test process runs on (set per vitest project). */
export const testDbKind: DatabaseKind = process.env.SQUAD_TEST_DB === 'postgres' ? 'postgres' : 'pglite'

export const adminPostgresUrl =
  process.env.SQUAD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function canReachPostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminPostgresUrl, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** Why this file's tests are skipped, or null when its database is reachable. */
export const skipReason: string | null =
  testDbKind === 'postgres' && !(await canReachPostgres())
    ? `PostgreSQL is not reachable at ${adminPostgresUrl} (set SQUAD_TEST_POSTGRES_URL); postgres half skipped`
    : null
if (skipReason) console.warn(`[skip] ${skipReason}`)

export type TestDatabase = { database: Database; url: string | null; drop(): Promise<void> }

/** A fresh, empty database: in-memory PGlite, or a new Postgres database dropped afterwards. */
let migratedTemplate: Promise<Blob> | null = null

/** A migrated PGlite, dumped once per test process: copies open in a fraction of initdb's time. */
function pgliteTemplate(): Promise<Blob> {
  migratedTemplate ??= (async () => {
    const template = await openPglite()
    await template.migrate()
    const dump = await template.dump()
    await template.close()
    return dump
  })()
  return migratedTemplate
}

export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (testDbKind === 'pglite') {
    // An unmigrated database (migration tests) pays for initdb; the rest start from the template.
    const database =
      options.migrate === false
        ? await openPglite()
        : await openPglite(undefined, { from: await pgliteTemplate() })
    if (options.migrate !== false) await database.migrate()
    return { database, url: null, drop: () => database.close() }
  }
  const name = `squad_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminPostgresUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(adminPostgresUrl)
  url.pathname = `/${name}`
  const database = await openPostgres(url.toString())
  if (options.migrate !== false) await database.migrate()
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close().catch(() => {})
      const client = new pg.Client({ connectionString: adminPostgresUrl })
      await client.connect()
      await client.query(`drop database if exists ${name} with (force)`)
      await client.end()
    },
  }
}
