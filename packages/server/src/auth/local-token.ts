import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Executor } from '../db/database.ts'
import type { AuthUser } from './auth-user.ts'
import { findTokenOwner } from './authenticate-token.ts'
import { createToken } from './create-token.ts'
import { executionOfToken } from './token-names.ts'

/** The token name the local user's stored token is created under. */
export const LOCAL_TOKEN_NAME = 'local (git credential helper)'

/**
 * What `<dataDir>/local-token.json` holds: the local user's token and the base URLs it is for. The
 * file is the server's answer to "how does the person on this machine push, now that a push always
 * needs a token": `squad git-credential` reads it and hands the token to git for those URLs only.
 */
export type LocalTokenFile = { token: string; urls: string[] }

export const localTokenPath = (dataDir: string) => join(dataDir, 'local-token.json')

/** The stored local token, or null when there is none (or the file is not one of ours). */
export async function readLocalToken(dataDir: string): Promise<LocalTokenFile | null> {
  let text: string
  try {
    text = await readFile(localTokenPath(dataDir), 'utf8')
  } catch {
    return null
  }
  try {
    const parsed = JSON.parse(text) as Partial<LocalTokenFile>
    if (typeof parsed.token !== 'string' || !Array.isArray(parsed.urls)) return null
    return { token: parsed.token, urls: parsed.urls.filter((u): u is string => typeof u === 'string') }
  } catch {
    return null
  }
}

/** Written whole beside the old one and renamed over it, readable by this OS user only. */
async function writeLocalToken(dataDir: string, file: LocalTokenFile) {
  await mkdir(dataDir, { recursive: true })
  const temporary = join(dataDir, `.local-token-${randomBytes(6).toString('hex')}.json`)
  try {
    await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
    await rename(temporary, localTokenPath(dataDir))
  } finally {
    await rm(temporary, { force: true })
  }
}

/**
 * With auth off, the local user still needs a token to push (git smart HTTP never takes an anonymous
 * push) and to read /metrics. Keeps one in `<dataDir>/local-token.json` (mode 0600): the stored token
 * is reused while it is valid and still the local user's, else a new one is created. The file is
 * rewritten with `urls` (the server's base URLs, which may change between starts). Returns the token.
 */
export async function ensureLocalToken(options: {
  db: Executor
  localUser: AuthUser
  dataDir: string
  urls: string[]
}): Promise<string> {
  const { db, localUser, dataDir, urls } = options
  const stored = await readLocalToken(dataDir)
  const owner = stored ? await findTokenOwner(db, stored.token) : null
  const token =
    stored && owner?.user.id === localUser.id && !executionOfToken(owner.tokenName)
      ? stored.token
      : (await createToken({ db, actor: localUser, input: { name: LOCAL_TOKEN_NAME } })).token
  if (token !== stored?.token || urls.join('\n') !== stored.urls.join('\n'))
    await writeLocalToken(dataDir, { token, urls })
  return token
}
