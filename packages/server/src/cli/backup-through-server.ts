import { createWriteStream } from 'node:fs'
import { chmod, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ErrorBody } from '@agent-squad/contract'
import { readLocalToken } from '../auth/local-token.ts'
import { AppError } from '../domain/errors.ts'
import { BACKUP_PATH } from '../http/backup-route.ts'

export type ServerBackupOptions = {
  dataDir: string
  /** Held by this pid (the lock file's). */
  pid: number
  file: string
  url?: string | undefined
  token?: string | undefined
}

/**
 * While `squad serve` holds a PGlite folder, only it can read the database consistently, so the
 * backup is asked of it. Where to find it and which token to send: --url/--token (or SQUAD_URL and
 * SQUAD_TOKEN), else the data folder's local-token.json, which a server with auth off writes with
 * its own URLs and the local (admin) user's token.
 */
export async function backupThroughServer(
  options: ServerBackupOptions,
): Promise<{ bytes: number; url: string }> {
  const stored = await readLocalToken(options.dataDir)
  const urls = options.url ? [options.url] : [...new Set([...(stored?.urls ?? []).reverse()])]
  const token = options.token ?? stored?.token
  const how =
    `The data folder ${options.dataDir} is in use by squad serve (pid ${options.pid}), and only that ` +
    'process can read its database consistently, so the backup is asked of it.'
  if (urls.length === 0 || !token)
    throw new AppError(
      'unavailable',
      `${how} Tell the CLI where it is and give an admin token: squad backup ${options.file} ` +
        '--url http://127.0.0.1:8000 --token <admin token> (or SQUAD_URL and SQUAD_TOKEN); or stop the server ' +
        'and run the same command again, which then reads the folder itself.',
    )
  const reasons: string[] = []
  for (const url of urls) {
    let res: Response
    try {
      res = await fetch(`${url.replace(/\/+$/, '')}${BACKUP_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      })
    } catch (error) {
      reasons.push(`${url}: ${(error as Error).message}`)
      continue
    }
    if (!res.ok || !res.body) {
      const body = ErrorBody.safeParse(await res.json().catch(() => null))
      throw new AppError(
        res.status === 401 || res.status === 403 ? 'forbidden' : 'unavailable',
        `The server at ${url} refused the backup (HTTP ${res.status}): ${body.data?.error.message ?? res.statusText}`,
      )
    }
    const partial = join(dirname(options.file), `.squad-backup-${process.pid}.partial`)
    try {
      await pipeline(Readable.fromWeb(res.body as never), createWriteStream(partial, { mode: 0o600 }))
      await chmod(partial, 0o600)
      await rename(partial, options.file)
    } finally {
      await rm(partial, { force: true })
    }
    const { size } = await stat(options.file)
    return { bytes: size, url }
  }
  throw new AppError(
    'unavailable',
    `${how} It could not be reached (${reasons.join('; ')}). Pass --url (and --token) if it listens ` +
      'elsewhere, or stop it and run the same command again.',
  )
}
