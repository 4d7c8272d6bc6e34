import { existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { BackupManifest } from '../backup/backup-manifest.ts'
import { createBackup } from '../backup/create-backup.ts'
import { restoreBackup } from '../backup/restore-backup.ts'
import { openDatabase } from '../db/open-database.ts'
import { AppError } from '../domain/errors.ts'
import { version } from '../version.ts'
import { backupThroughServer } from './backup-through-server.ts'
import { type CliOptions, configFrom, describeDatabase, isNewDataDir, pgliteDir } from './config-options.ts'
import { DataDirInUseError, lockDataDir } from './data-dir-lock.ts'

// The work behind `squad backup` and `squad restore`, loaded only when one of them runs.

const out = (line: string) => process.stderr.write(`${line}\n`)
const flag = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined)
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

const pgDumpHint = (action: 'backup' | 'restore') =>
  action === 'backup'
    ? '  The PostgreSQL database is NOT in this archive. Back it up beside it with:\n' +
      '    pg_dump --format=custom --file squad.dump "$DATABASE_URL"'
    : '  The PostgreSQL database is not in this archive: restore it from its pg_dump file with\n' +
      '    pg_restore --no-owner --dbname "$DATABASE_URL" squad.dump   (into an empty database)'

function summary(manifest: BackupManifest): string {
  const db = manifest.database
  const repos = manifest.repositories.length
  return (
    `  database: ${db.included ? `PGlite, schema version ${db.migrations}` : 'not included (PostgreSQL)'}\n` +
    `  repositories: ${repos} of the local forge\n` +
    `  files: ${manifest.entries.join(', ') || 'none'}`
  )
}

export async function backupCommand(file: string, options: CliOptions) {
  const target = resolve(file)
  if (await stat(target).catch(() => null))
    throw new AppError('conflict', `${target} already exists: choose another name, or delete it first`)
  const config = await configFrom(options)
  let release = () => {}
  if (!config.DATABASE_URL) {
    // Checked before the lock, which would otherwise create the folder it names.
    if (!existsSync(config.dataDir))
      throw new AppError(
        'not_found',
        `${config.dataDir} does not exist: nothing to back up (is --data-dir right?)`,
      )
    try {
      release = lockDataDir(config.dataDir)
    } catch (error) {
      if (!(error instanceof DataDirInUseError)) throw error
      const sent = await backupThroughServer({
        dataDir: config.dataDir,
        pid: error.pid,
        file: target,
        url: flag(options.url) ?? process.env.SQUAD_URL,
        token: flag(options.token) ?? process.env.SQUAD_TOKEN,
      })
      out(`✓ ${target} (${megabytes(sent.bytes)}), written by the running server at ${sent.url}`)
      return
    }
  }
  try {
    if (!config.DATABASE_URL && isNewDataDir(config))
      throw new AppError(
        'not_found',
        `${pgliteDir(config)} holds no database, so there is nothing to back up (is --data-dir right?)`,
      )
    const database = await openDatabase(config)
    try {
      const manifest = await createBackup({
        dataDir: config.dataDir,
        database,
        file: target,
        serverVersion: version,
      })
      const { size } = await stat(target)
      out(`✓ ${target} (${megabytes(size)}) from ${describeDatabase(config)} and ${config.dataDir}`)
      out(summary(manifest))
      if (!manifest.database.included) out(pgDumpHint('backup'))
    } finally {
      await database.close()
    }
  } finally {
    release()
  }
}

export async function restoreCommand(file: string, options: CliOptions) {
  const config = await configFrom(options)
  const manifest = await restoreBackup({ file, dataDir: config.dataDir })
  out(
    `✓ restored ${resolve(file)} (made ${manifest.created_at} by ${manifest.server_version}) into ${config.dataDir}`,
  )
  out(summary(manifest))
  if (!manifest.database.included) out(pgDumpHint('restore'))
  out(
    `  Start it with: squad serve --data-dir ${config.dataDir}${manifest.database.included ? '' : ' --database-url "$DATABASE_URL"'}\n` +
      '  (the server migrates the database to its own schema version on start)',
  )
}
