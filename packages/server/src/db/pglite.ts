import { mkdirSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import { version } from '../version.ts'
import type { Database, Db } from './database.ts'
import { migrationsFolder } from './migrate.ts'
import * as schema from './schema.ts'
import { refuseNewerDatabase } from './schema-version.ts'

/**
 * Embedded Postgres (WASM) in a data folder, or in memory when `dataDir` is omitted (tests).
 * `from` starts the database as a copy of a dump (see `dumpPglite`): a new database otherwise runs
 * initdb, which takes seconds; restoring a dump takes a fraction of that.
 */
export async function openPglite(
  dataDir?: string,
  options: { from?: Blob } = {},
): Promise<Database & { dump(): Promise<Blob> }> {
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const client = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(options.from ? { loadDataDir: options.from } : {}),
  })
  const drizzleDb = drizzle(client, { schema })
  const db = drizzleDb as unknown as Db
  return {
    kind: 'pglite',
    db,
    async listen(channel, onNotify) {
      const unsubscribe = await client.listen(channel, onNotify)
      return async () => {
        if (!client.closed) await unsubscribe()
      }
    },
    // PGlite runs in this process: its LISTEN never drops.
    onReconnect() {},
    async migrate() {
      await refuseNewerDatabase(db, version)
      await migrate(drizzleDb, { migrationsFolder })
    },
    async close() {
      if (!client.closed) await client.close()
    },
    dump: () => client.dumpDataDir('none'),
  }
}
