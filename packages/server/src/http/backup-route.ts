import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { Hono } from 'hono'
import { createBackup } from '../backup/create-backup.ts'
import { AppError } from '../domain/errors.ts'
import { authenticate, tokenOf } from './authenticate.ts'
import type { AppDeps } from './deps.ts'

export const BACKUP_PATH = '/api/v1/admin/backup'

/**
 * `POST /api/v1/admin/backup`: the running server backs up its own data folder and streams the
 * archive (what `squad backup` calls while `squad serve` holds a PGlite folder: only the process
 * that has the database open can dump it consistently). An admin's token in every auth mode, as for
 * /metrics: with auth off, a request without one could come from anyone on this machine, and the
 * archive holds every squad's data and the key that decrypts their secrets.
 */
export function mountBackup(app: Hono, deps: AppDeps) {
  app.post(BACKUP_PATH, async (c) => {
    const user = tokenOf(c) ? await authenticate(c, deps) : null
    if (!user)
      throw new AppError(
        'unauthorized',
        'A backup needs an admin token, even with auth off: send "Authorization: Bearer <token>"',
      )
    if (!user.isAdmin) throw new AppError('forbidden', 'Only an admin can back up the server')
    const folder = await mkdtemp(join(tmpdir(), 'squad-backup-'))
    const file = join(folder, 'backup.tar.gz')
    try {
      const manifest = await createBackup({
        dataDir: deps.config.dataDir,
        database: deps.database,
        file,
        serverVersion: deps.version,
      })
      deps.logger.info(
        { repositories: manifest.repositories.length, database: manifest.database },
        'backup written',
      )
      const stream = createReadStream(file)
      // The temporary archive goes once it is sent, or once the client goes away.
      stream.once('close', () => void rm(folder, { recursive: true, force: true }))
      return new Response(Readable.toWeb(stream) as ReadableStream, {
        headers: {
          'content-type': 'application/gzip',
          'content-disposition': 'attachment; filename="agent-squad-backup.tar.gz"',
          'x-squad-backup-database': manifest.database.included ? 'included' : 'not-included',
        },
      })
    } catch (error) {
      await rm(folder, { recursive: true, force: true })
      throw error
    }
  })
}
