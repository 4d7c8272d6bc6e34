import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { AppError } from '../domain/errors.ts'
import type { Db } from './database.ts'
import { migrationsFolder } from './migrate.ts'

type Journal = { entries: Array<{ idx: number; tag: string; when: number }> }

/** The migrations this server ships (drizzle-kit's journal), oldest first. */
export function knownMigrations(folder = migrationsFolder): Journal['entries'] {
  return (JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8')) as Journal).entries
}

type Executable = Pick<Db, 'execute'>

const rowsOf = <T>(result: unknown) => (result as { rows: T[] }).rows

/** The migrations a database has applied, by drizzle's record (none before its first start). */
export async function appliedMigrations(db: Executable): Promise<Array<{ created_at: number }>> {
  const table = rowsOf<{ t: string | null }>(
    await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`),
  )
  if (!table[0]?.t) return []
  return rowsOf<{ created_at: string | number }>(
    await db.execute(sql`select created_at from drizzle.__drizzle_migrations order by created_at`),
  ).map((r) => ({ created_at: Number(r.created_at) }))
}

/**
 * Refuses a database migrated by a newer server. Drizzle applies the migrations newer than the
 * database's last one and would silently apply nothing here, leaving this server to run queries
 * written for an older schema against a newer one (columns renamed or dropped, constraints it
 * does not know): wrong data, not an error. So it stops, naming both schema versions.
 */
export async function refuseNewerDatabase(db: Executable, serverVersion: string, folder = migrationsFolder) {
  const known = knownMigrations(folder)
  const applied = await appliedMigrations(db)
  const lastKnown = known.at(-1)
  const unknown = applied.filter((m) => m.created_at > (lastKnown?.when ?? 0))
  if (unknown.length === 0) return
  throw new AppError(
    'conflict',
    `The database was migrated by a newer Agent Squad: it has schema version ${applied.length} ` +
      `(${unknown.length} migration${unknown.length === 1 ? '' : 's'} this server does not know), and this ` +
      `server (${serverVersion}) knows schema version ${known.length} (up to ${lastKnown?.tag ?? 'none'}). ` +
      'Run the newer version, or go back by restoring the backup taken before the upgrade ' +
      '(docs/backup-and-upgrade.md).',
  )
}
