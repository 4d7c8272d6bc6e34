import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { openPglite } from '../db/pglite.ts'
import { AppError } from '../domain/errors.ts'
import { readArchive } from './archive.ts'
import { type BackupManifest, MANIFEST_FILE, PGLITE_DUMP_FILE, parseManifest } from './backup-manifest.ts'
import { restoreRepositories } from './bundle-repositories.ts'

export type RestoreBackupOptions = {
  /** The archive `squad backup` wrote. */
  file: string
  /** A data folder that does not exist yet, or an empty one. */
  dataDir: string
}

async function checkArchive(file: string) {
  const info = await stat(file).catch(() => null)
  if (!info)
    throw new AppError('not_found', `${file} does not exist: give the path of a \`squad backup\` archive`)
  if (!info.isFile())
    throw new AppError('bad_request', `${file} is not a file: give the path of a backup archive`)
}

/** Restoring over live data would mix two histories: only a new (or empty) folder is accepted. */
async function checkTarget(dataDir: string) {
  const entries = await readdir(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return []
    if (error.code === 'ENOTDIR') throw new AppError('conflict', `${dataDir} is a file, not a data folder`)
    throw error
  })
  if (entries.length > 0)
    throw new AppError(
      'conflict',
      `${dataDir} is not empty: restore into a new folder (--data-dir ./restored) and start the server ` +
        'there (squad serve --data-dir ./restored), or move the old folder aside first. Nothing was changed.',
    )
}

/**
 * Rebuilds a data folder from a backup: the PGlite database (when the archive holds it), the local
 * forge's repositories from their bundles, and the carried files. The archive is unpacked beside the
 * target and checked before anything is written into it; a restore that fails removes what it made,
 * so it can be run again. The server migrates the restored database on its first start.
 */
export async function restoreBackup(options: RestoreBackupOptions): Promise<BackupManifest> {
  const file = resolve(options.file)
  const dataDir = resolve(options.dataDir)
  await checkArchive(file)
  await checkTarget(dataDir)
  await mkdir(dirname(dataDir), { recursive: true })
  const unpacked = await mkdtemp(join(dirname(dataDir), '.squad-restore-'))
  const existed = await stat(dataDir).then(
    () => true,
    () => false,
  )
  try {
    await readArchive(file, unpacked)
    const manifestText = await readFile(join(unpacked, MANIFEST_FILE), 'utf8').catch(() => {
      throw new AppError('bad_request', `${file} is not an Agent Squad backup: it has no ${MANIFEST_FILE}`)
    })
    const manifest = parseManifest(manifestText, file)
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    try {
      if (manifest.database.included) {
        const dump = await readFile(join(unpacked, PGLITE_DUMP_FILE)).catch(() => {
          throw new AppError(
            'bad_request',
            `${file} is damaged: its manifest lists a database it does not hold`,
          )
        })
        const database = await openPglite(join(dataDir, 'pglite'), { from: new Blob([dump]) })
        await database.close()
      }
      await restoreRepositories(manifest.repositories, unpacked, join(dataDir, 'forge'))
      for (const entry of manifest.entries)
        await cp(join(unpacked, 'files', entry), join(dataDir, entry), { recursive: true })
      if (manifest.entries.includes('secret.key')) await chmod(join(dataDir, 'secret.key'), 0o600)
    } catch (error) {
      // Half a restore is worse than none: leave the folder as it was found.
      if (existed)
        for (const entry of await readdir(dataDir)) await rm(join(dataDir, entry), { recursive: true })
      else await rm(dataDir, { recursive: true, force: true })
      throw error
    }
    return manifest
  } finally {
    await rm(unpacked, { recursive: true, force: true })
  }
}
