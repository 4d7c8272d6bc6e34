import { createHash, randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
export const TOKEN_PREFIX = 'sqd_'

/** A new API token: `sqd_` and 40 base62 characters (about 238 bits of randomness). */
export function generateToken(): string {
  const bytes = randomBytes(40)
  let body = ''
  for (const byte of bytes) body += ALPHABET[byte % 62]
  return TOKEN_PREFIX + body
}

/**
 * Tokens are long random strings, so a fast hash is enough to make a stolen database useless
 * (there is nothing to brute-force) and keeps every request's lookup cheap.
 */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex')

export const displayPrefix = (token: string) => token.slice(0, TOKEN_PREFIX.length + 6)
