import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { AppError } from '../../src/domain/errors.ts'
import { openSecretBox, parseSecretKey, secretBoxFromConfig } from '../../src/secrets/secret-box.ts'

const dir = mkdtempSync(join(tmpdir(), 'squad-secret-box-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const hexKey = randomBytes(32).toString('hex')
const base64Key = randomBytes(32).toString('base64')

/** The AppError `fn` throws (a typed error with a message, never a bare crypto error). */
function appError(fn: () => unknown): AppError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected an AppError')
}

describe('secret box', () => {
  it('round-trips values (unicode, multi-line, 10 KiB) in the documented layout: base64 of iv | tag | ciphertext', () => {
    const box = openSecretBox({ key: hexKey, keyFile: join(dir, 'unused.key') })
    for (const value of ['sk-test-0123456789', 'é ✓ 鍵\nline two', 'x'.repeat(10 * 1024)]) {
      const sealed = box.encrypt(value, 'squad-secret:s1:NAME')
      expect(sealed).not.toContain(value.slice(0, 8))
      expect(Buffer.from(sealed, 'base64')).toHaveLength(12 + 16 + Buffer.byteLength(value))
      expect(box.decrypt(sealed, 'squad-secret:s1:NAME')).toBe(value)
    }
    // A fresh IV every time: the same value never seals to the same text.
    expect(box.encrypt('same')).not.toBe(box.encrypt('same'))
  })

  it('refuses a changed ciphertext, tag or IV, and another context, with a typed error', () => {
    const box = openSecretBox({ key: base64Key, keyFile: join(dir, 'unused.key') })
    const sealed = Buffer.from(box.encrypt('sk-tamper-me-please', 'ctx'), 'base64')
    for (const at of [0, 12, 28, sealed.length - 1]) {
      const changed = Buffer.from(sealed)
      changed[at] = (changed[at] ?? 0) ^ 0x01
      const error = appError(() => box.decrypt(changed.toString('base64'), 'ctx'))
      expect(error.message).toMatch(/cannot be decrypted: it was changed, or it was stored under another key/)
    }
    appError(() => box.decrypt(sealed.toString('base64'), 'another row'))
    expect(appError(() => box.decrypt('c2hvcnQ=', 'ctx')).message).toMatch(/too short/)
  })

  it('a different key cannot open a value, and says which key it used', () => {
    const sealed = openSecretBox({ key: hexKey, keyFile: '' }).encrypt('sk-other-key-value')
    const other = openSecretBox({ key: base64Key, keyFile: '' })
    expect(appError(() => other.decrypt(sealed)).message).toContain('SQUAD_SECRET_KEY')
  })

  it('without SQUAD_SECRET_KEY: creates <dataDir>/secret.key (0600) on first encrypt and reuses it', () => {
    const dataDir = join(dir, 'data')
    const keyFile = join(dataDir, 'secret.key')
    const first = secretBoxFromConfig({ SQUAD_SECRET_KEY: undefined, dataDir })
    // Nothing stored yet and no key: decrypting says the key file is missing, and creates nothing.
    expect(appError(() => first.decrypt(Buffer.alloc(40).toString('base64'))).message).toMatch(/is missing/)
    const sealed = first.encrypt('sk-from-key-file')
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(parseSecretKey(readFileSync(keyFile, 'utf8'))).toHaveLength(32)
    // Another process (or the engine's own box) reads the same key.
    const second = secretBoxFromConfig({ SQUAD_SECRET_KEY: undefined, dataDir })
    expect(second.decrypt(sealed)).toBe('sk-from-key-file')
    second.encrypt('again')
    expect(first.decrypt(second.encrypt('both ways'))).toBe('both ways')
  })

  it('a damaged key file is an error naming the file, not a crash', () => {
    const keyFile = join(dir, 'bad.key')
    writeFileSync(keyFile, 'not a key\n')
    const error = appError(() => openSecretBox({ keyFile }).encrypt('x'))
    expect(error.message).toContain(keyFile)
    expect(error.message).toContain('SQUAD_SECRET_KEY')
  })

  it('accepts keys as 64 hex characters or base64 (padded, url-safe) of exactly 32 bytes', () => {
    const bytes = randomBytes(32)
    expect(parseSecretKey(bytes.toString('hex'))).toEqual(bytes)
    expect(parseSecretKey(bytes.toString('base64'))).toEqual(bytes)
    expect(parseSecretKey(bytes.toString('base64url'))).toEqual(bytes)
    expect(parseSecretKey(` ${bytes.toString('hex')}\n`)).toEqual(bytes)
    for (const bad of [
      '',
      'abc',
      randomBytes(16).toString('base64'),
      randomBytes(33).toString('hex'),
      'g'.repeat(64),
    ])
      expect(parseSecretKey(bad), bad).toBeNull()
  })
})

describe('SQUAD_SECRET_KEY', () => {
  const load = (env: Record<string, string>) => loadConfig({ env, cwd: dir })

  it('is optional and read as given', () => {
    expect(load({}).SQUAD_SECRET_KEY).toBeUndefined()
    expect(load({ SQUAD_SECRET_KEY: hexKey }).SQUAD_SECRET_KEY).toBe(hexKey)
  })

  it('a malformed key stops start-up with what it expects, without echoing the value', () => {
    const attempt = 'sk-not-really-a-32-byte-key'
    let error: unknown
    try {
      load({ SQUAD_SECRET_KEY: attempt })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    expect(message).toContain('SQUAD_SECRET_KEY=(hidden, 27 characters): expected 32 bytes as base64')
    expect(message).not.toContain(attempt)
  })
})
