import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, ConfigSchema, configExpects, isLoopback, loadConfig } from '../src/config.ts'
import { resolveAuthMode } from '../src/server.ts'

const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8')
const keys = Object.keys(ConfigSchema.shape)
const emptyDir = mkdtempSync(join(tmpdir(), 'squad-config-'))
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }))

/** Loads with nothing from the real environment or the real working folder. */
const load = (
  env: Record<string, string>,
  options: { cwd?: string; overrides?: Record<string, string> } = {},
) => loadConfig({ env, cwd: options.cwd ?? emptyDir, overrides: options.overrides })

function configError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('docs/configuration.md', () => {
  it.each(keys)('documents %s with its own section and a table row', (key) => {
    expect(docs, `add a "### \`${key}\`" section to docs/configuration.md`).toContain(`### \`${key}\``)
    expect(docs, `add ${key} to the table in docs/configuration.md`).toMatch(
      new RegExp(`^\\| +\`${key}\` +\\|`, 'm'),
    )
  })

  it('documents no variable that ConfigSchema does not have', () => {
    const documented = [...docs.matchAll(/^### `([A-Z][A-Z0-9_]+)`$/gm)].map((m) => m[1])
    expect(documented.sort()).toEqual([...keys].sort())
  })

  it('has an "expects" text for every key, used in error messages', () => {
    expect(Object.keys(configExpects).sort()).toEqual([...keys].sort())
  })
})

describe('loadConfig', () => {
  it('uses the documented defaults with nothing set', () => {
    const config = load({})
    expect(config).toMatchObject({
      PORT: 8000,
      HOST: '127.0.0.1',
      DATABASE_URL: undefined,
      SQUAD_DATA_DIR: './.squad/data',
      SQUAD_AUTH: 'auto',
      SQUAD_MAX_BODY_BYTES: 1_048_576,
      SQUAD_HEARTBEAT_MS: 15_000,
      SQUAD_LOG_LEVEL: 'info',
      SQUAD_LOG_FORMAT: 'pretty',
      SQUAD_PUBLIC_URL: undefined,
      SQUAD_LOCAL_REPO_ROOTS: [],
      SQUAD_VALIDATE_RESPONSES: false,
    })
    expect(config.dataDir).toBe(join(emptyDir, '.squad/data'))
  })

  it.each([
    ['PORT', 'abc', 'a port number from 0 to 65535'],
    ['PORT', '70000', 'a port number from 0 to 65535'],
    ['SQUAD_AUTH', 'maybe', 'one of auto, token, none'],
    ['DATABASE_URL', 'mysql://x', 'a postgres:// or postgresql:// connection URL'],
    ['SQUAD_LOCAL_REPO_ROOTS', 'relative/path', 'a colon-separated list of absolute paths'],
    ['SQUAD_LOCAL_REPO_ROOTS', '/ok:relative', 'a colon-separated list of absolute paths'],
    ['SQUAD_MAX_BODY_BYTES', '10', 'a whole number of bytes from 1024'],
    ['SQUAD_HEARTBEAT_MS', '1.5', 'a whole number of milliseconds'],
    ['SQUAD_LOG_LEVEL', 'loud', 'one of fatal, error, warn, info, debug, trace, silent'],
    ['SQUAD_LOG_FORMAT', 'xml', 'one of pretty, json'],
    ['SQUAD_PUBLIC_URL', 'ftp://example.com', 'an absolute http:// or https:// URL'],
    ['SQUAD_VALIDATE_RESPONSES', 'yes', 'one of true, false, 1, 0'],
  ])('refuses %s=%s, naming the variable and what it expects', (name, value, expects) => {
    const error = configError(() => load({ [name]: value }))
    expect(error.problems).toHaveLength(1)
    expect(error.problems[0]).toContain(`${name}=${JSON.stringify(value)}`)
    expect(error.problems[0]).toContain(`expected ${expects}`)
    expect(error.message).toContain(name)
  })

  it('reports every bad variable at once', () => {
    const error = configError(() => load({ PORT: 'abc', SQUAD_AUTH: 'maybe' }))
    expect(error.problems.map((p) => p.split('=')[0])).toEqual(['PORT', 'SQUAD_AUTH'])
  })

  it('hides the password of a bad DATABASE_URL', () => {
    const error = configError(() => load({ DATABASE_URL: 'mysql://root:hunter2@db/x' }))
    expect(error.message).not.toContain('hunter2')
    expect(error.message).toContain('root:***@')
  })

  it('accepts good values and converts them', () => {
    const config = load({
      PORT: '0',
      DATABASE_URL: 'postgresql://u:p@127.0.0.1:5432/db',
      SQUAD_LOCAL_REPO_ROOTS: '/srv/git: /home/me/code',
      SQUAD_VALIDATE_RESPONSES: '1',
      SQUAD_PUBLIC_URL: 'https://squad.example.com',
    })
    expect(config.PORT).toBe(0)
    expect(config.SQUAD_LOCAL_REPO_ROOTS).toEqual(['/srv/git', '/home/me/code'])
    expect(config.SQUAD_VALIDATE_RESPONSES).toBe(true)
  })

  describe('precedence: flag > environment > .env > default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'squad-dotenv-'))
    writeFileSync(
      join(dir, '.env'),
      '# a comment\nPORT=7000\nSQUAD_LOG_LEVEL=debug\nSQUAD_DATA_DIR="from-dotenv"\nIGNORED_OTHER=1\n',
    )
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    it('reads .env from the working folder', () => {
      const config = load({}, { cwd: dir })
      expect(config.PORT).toBe(7000)
      expect(config.SQUAD_LOG_LEVEL).toBe('debug')
      expect(config.dataDir).toBe(join(dir, 'from-dotenv'))
    })

    it('lets the environment win over .env, and an empty variable count as unset', () => {
      const config = load({ PORT: '7001', SQUAD_LOG_LEVEL: '' }, { cwd: dir })
      expect(config.PORT).toBe(7001)
      expect(config.SQUAD_LOG_LEVEL).toBe('debug')
    })

    it('lets a flag (override) win over both', () => {
      const config = load({ PORT: '7001' }, { cwd: dir, overrides: { PORT: '7002' } })
      expect(config.PORT).toBe(7002)
    })

    it('checks values that come from .env too', () => {
      const bad = mkdtempSync(join(tmpdir(), 'squad-dotenv-bad-'))
      writeFileSync(join(bad, '.env'), 'SQUAD_AUTH=maybe\n')
      try {
        expect(configError(() => load({}, { cwd: bad })).problems[0]).toContain('SQUAD_AUTH="maybe"')
      } finally {
        rmSync(bad, { recursive: true, force: true })
      }
    })
  })
})

describe('auth mode', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['example.com', false],
  ])('isLoopback(%s) is %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback)
  })

  it('auto is none on loopback and token elsewhere', () => {
    expect(resolveAuthMode({ SQUAD_AUTH: 'auto', HOST: '127.0.0.1' })).toBe('none')
    expect(resolveAuthMode({ SQUAD_AUTH: 'auto', HOST: '0.0.0.0' })).toBe('token')
    expect(resolveAuthMode({ SQUAD_AUTH: 'token', HOST: '127.0.0.1' })).toBe('token')
  })

  it('refuses SQUAD_AUTH=none on a non-loopback HOST', () => {
    expect(() => resolveAuthMode({ SQUAD_AUTH: 'none', HOST: '0.0.0.0' })).toThrow(
      /SQUAD_AUTH=none.*HOST=0\.0\.0\.0/,
    )
    const error = configError(() => load({ SQUAD_AUTH: 'none', HOST: '0.0.0.0' }))
    expect(error.problems[0]).toMatch(
      /^SQUAD_AUTH="none": expected auto or token when HOST is not a loopback/,
    )
    expect(error.problems[0]).toContain('HOST="0.0.0.0"')
    expect(load({ SQUAD_AUTH: 'none', HOST: '::1' }).SQUAD_AUTH).toBe('none')
  })
})
