import { randomBytes } from 'node:crypto'
import { chmod, cp, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { appliedMigrations } from '../db/schema-version.ts'
import { AppError } from '../domain/errors.ts'
import { writeArchive } from './archive.ts'
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupManifest,
  CARRIED_ENTRIES,
  MANIFEST_FILE,
  PGLITE_DUMP_FILE,
} from './backup-manifest.ts'
import { bundleRepositories } from './bundle-repositories.ts'

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

export type CreateBackupOptions = {
  /** The data folder: the local forge, the secret key and the rest live there. */
  dataDir: string
  /** The open database. PGlite is dumped into the archive; PostgreSQL is left to pg_dump. */
  database: Database
  /** Where the archive goes; it must not exist yet. */
  file: string
  serverVersion: string
}

/**
 * Writes one archive of a data folder: the PGlite database (a dump taken between two statements,
 * so it holds exactly the transactions committed by then, like a crash at that instant: never a
 * half-written page), then a git bundle of each forge repository, then the carried files.
 * Repositories are read after the database, so every branch a pull request row names is in them.
 * The archive is written beside its destination and renamed into place: a failed backup leaves no
 * partial file under the name asked for. Readable by this OS user only: it holds the secret key.
 */
export async function createBackup(options: CreateBackupOptions): Promise<BackupManifest> {
  const { dataDir, database, file } = options
  if (await exists(file))
    throw new AppError('conflict', `${file} already exists: choose another name, or delete it first`)
  const staging = await mkdtemp(join(dirname(file), '.squad-backup-'))
  const partial = join(dirname(file), `.squad-backup-${randomBytes(6).toString('hex')}.partial`)
  try {
    const dump = database.dump
    if (dump) {
      // A checkpoint first writes every dirty page out, so a restore replays little or no WAL.
      await database.db.execute(sql`checkpoint`)
      const blob = await dump()
      await mkdir(dirname(join(staging, PGLITE_DUMP_FILE)), { recursive: true })
      await writeFile(join(staging, PGLITE_DUMP_FILE), Buffer.from(await blob.arrayBuffer()))
    }
    const repositories = await bundleRepositories(join(dataDir, 'forge'), staging)
    const entries: BackupManifest['entries'] = []
    for (const entry of CARRIED_ENTRIES) {
      if (!(await exists(join(dataDir, entry)))) continue
      await cp(join(dataDir, entry), join(staging, 'files', entry), { recursive: true })
      entries.push(entry)
    }
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      format_version: BACKUP_FORMAT_VERSION,
      created_at: new Date().toISOString(),
      server_version: options.serverVersion,
      database: {
        kind: database.kind,
        included: Boolean(dump),
        migrations: (await appliedMigrations(database.db)).length,
      },
      repositories,
      entries,
    }
    await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
    await writeArchive(staging, partial)
    await chmod(partial, 0o600)
    await rename(partial, file)
    return manifest
  } finally {
    await rm(staging, { recursive: true, force: true })
    await rm(partial, { force: true })
  }
}
