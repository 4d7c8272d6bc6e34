import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Config } from '../config.ts'
import { AppError } from '../domain/errors.ts'

const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * Seals and opens stored secrets with AES-256-GCM. `context` (e.g. the squad and the secret's name) is
 * authenticated with the value, so a ciphertext copied to another row does not open there.
 */
export type SecretBox = {
  /** base64 of iv (12 bytes) | tag (16 bytes) | ciphertext. */
  encrypt(plain: string, context?: string): string
  /** Throws an AppError (never a bare crypto error) when the value was changed or sealed with another key. */
  decrypt(sealed: string, context?: string): string
}

/** A 32-byte key written as 64 hex characters or as base64; null for anything else. */
export function parseSecretKey(text: string): Buffer | null {
  const value = text.trim()
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex')
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return null
  const key = Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64')
  return key.length === KEY_BYTES ? key : null
}

const unreadable = (message: string, cause?: unknown) =>
  new AppError('internal', message, { ...(cause === undefined ? {} : { cause }) })

/**
 * The key file, created once: written to a temporary name (mode 0600) and linked into place, so two
 * processes starting together agree on one key and nobody reads a half-written file.
 */
function readOrCreateKeyFile(path: string, create: boolean): Buffer | null {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw unreadable(`Cannot read the secret key file ${path}: ${(error as Error).message}`, error)
    if (!create) return null
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    const temporary = join(dirname(path), `.secret.key.${process.pid}.${randomBytes(4).toString('hex')}`)
    writeFileSync(temporary, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
    try {
      linkSync(temporary, path)
    } catch (linkError) {
      if ((linkError as NodeJS.ErrnoException).code !== 'EEXIST') throw linkError
    } finally {
      rmSync(temporary, { force: true })
    }
    text = readFileSync(path, 'utf8')
  }
  const key = parseSecretKey(text)
  if (!key)
    throw unreadable(
      `The secret key file ${path} does not hold a 32-byte key (base64 or 64 hex characters); restore it, or set SQUAD_SECRET_KEY`,
    )
  return key
}

/**
 * The box for `key` (SQUAD_SECRET_KEY) or, without one, for the key in `keyFile`. The file is read on
 * first use and created by the first encrypt, so a server that never stores a secret writes nothing.
 */
export function openSecretBox(options: { key?: string | undefined; keyFile: string }): SecretBox {
  let key: Buffer | null = null
  if (options.key !== undefined) {
    key = parseSecretKey(options.key)
    if (!key)
      throw new AppError(
        'validation_failed',
        'SQUAD_SECRET_KEY must be 32 bytes written as base64 (openssl rand -base64 32) or as 64 hex characters (openssl rand -hex 32)',
      )
  }
  const source = options.key !== undefined ? 'SQUAD_SECRET_KEY' : options.keyFile
  const keyFor = (create: boolean): Buffer => {
    key ??= readOrCreateKeyFile(options.keyFile, create)
    if (!key)
      throw unreadable(
        `Stored secrets cannot be decrypted: the secret key file ${options.keyFile} is missing (restore it, or set SQUAD_SECRET_KEY to the key they were stored with)`,
      )
    return key
  }
  return {
    encrypt(plain, context = '') {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', keyFor(true), iv)
      cipher.setAAD(Buffer.from(context, 'utf8'))
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')
    },
    decrypt(sealed, context = '') {
      const bytes = Buffer.from(sealed, 'base64')
      if (bytes.length < IV_BYTES + TAG_BYTES)
        throw unreadable('A stored secret is damaged: it is too short to be an AES-256-GCM value')
      try {
        const decipher = createDecipheriv('aes-256-gcm', keyFor(false), bytes.subarray(0, IV_BYTES))
        decipher.setAAD(Buffer.from(context, 'utf8'))
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
        return Buffer.concat([
          decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8')
      } catch (error) {
        if (error instanceof AppError) throw error
        throw unreadable(
          `A stored secret cannot be decrypted: it was changed, or it was stored under another key than the one in ${source}`,
          error,
        )
      }
    },
  }
}

/** The server's box: SQUAD_SECRET_KEY when set, else `<dataDir>/secret.key`. */
export const secretBoxFromConfig = (config: Pick<Config, 'SQUAD_SECRET_KEY' | 'dataDir'>): SecretBox =>
  openSecretBox({ key: config.SQUAD_SECRET_KEY, keyFile: join(config.dataDir, 'secret.key') })
