import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Database } from '../../src/db/database.ts'
import { migrationsFolder } from '../../src/db/migrate.ts'

type Journal = { entries: Array<{ idx: number; tag: string; when: number }> }
export const journal = JSON.parse(
  readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8'),
) as Journal

/** Applies only the first `count` migrations, as an older release of the server would have. */
export async function migrateTo(database: Database, count: number) {
  const folder = mkdtempSync(join(tmpdir(), 'squad-migrations-'))
  try {
    mkdirSync(join(folder, 'meta'))
    const entries = journal.entries.slice(0, count)
    for (const entry of entries)
      copyFileSync(join(migrationsFolder, `${entry.tag}.sql`), join(folder, `${entry.tag}.sql`))
    writeFileSync(join(folder, 'meta/_journal.json'), JSON.stringify({ ...journal, entries }))
    if (database.kind === 'pglite') {
      const { migrate } = await import('drizzle-orm/pglite/migrator')
      await migrate(database.db as unknown as Parameters<typeof migrate>[0], { migrationsFolder: folder })
    } else {
      const { migrate } = await import('drizzle-orm/node-postgres/migrator')
      await migrate(database.db as unknown as Parameters<typeof migrate>[0], { migrationsFolder: folder })
    }
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}
