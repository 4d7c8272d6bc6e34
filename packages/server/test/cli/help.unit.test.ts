import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { buildProgram, commandPaths } from '../../src/cli/program.ts'

const bin = fileURLToPath(new URL('../../bin/squad.js', import.meta.url))
const cwd = mkdtempSync(join(tmpdir(), 'squad-cli-help-'))
afterAll(() => rmSync(cwd, { recursive: true, force: true }))

/** Settings from the developer's shell must not leak into these runs. */
const cleanEnv = () => {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' }
  return env
}

async function squad(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd,
      env: { ...cleanEnv(), ...env },
      timeout: 20_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

const paths = commandPaths(buildProgram()).filter((path) => path.at(-1) !== 'help')

describe('squad --help', () => {
  it('knows the commands the docs mention', () => {
    expect(paths.map((p) => p.join(' '))).toEqual(
      expect.arrayContaining(['serve', 'migrate', 'user', 'user create', 'token', 'token create']),
    )
  })

  it.each([[[] as string[]], ...paths.map((p) => [p])])(
    'squad %j --help exits 0 and prints usage',
    async (path) => {
      const { code, stdout } = await squad([...path, '--help'])
      expect(code).toBe(0)
      expect(stdout).toContain(`Usage: ${['squad', ...path].join(' ')}`)
      const command = path.reduce((c, name) => c.commands.find((s) => s.name() === name) ?? c, buildProgram())
      if (command.description()) expect(stdout.replace(/\s+/g, ' ')).toContain(command.description())
    },
  )

  it('serve --help explains precedence, auth modes and how to stop', async () => {
    const { stdout } = await squad(['serve', '--help'])
    for (const text of ['--port', '--host', '--auth', '--data-dir', '--database-url', 'PORT', 'SQUAD_AUTH'])
      expect(stdout).toContain(text)
    expect(stdout).toContain('docs/configuration.md')
    expect(stdout).toMatch(/Flags win over environment variables/)
    expect(stdout).toMatch(/SIGTERM/)
  })

  it('--version prints the version', async () => {
    const { code, stdout } = await squad(['--version'])
    expect(code).toBe(0)
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('an unknown command fails with a hint', async () => {
    const { code, stderr } = await squad(['serv'])
    expect(code).toBe(1)
    expect(stderr).toMatch(/unknown command 'serv'/)
  })
})

describe('squad serve refuses a bad configuration before starting', () => {
  it.each([
    [['serve'], { PORT: 'abc' }, /PORT="abc": expected a port number/],
    [['serve', '--port', 'abc'], {}, /PORT="abc": expected a port number/],
    [['serve', '--auth', 'maybe'], {}, /SQUAD_AUTH="maybe": expected one of auto, token, none/],
    [['serve', '--host', '0.0.0.0', '--auth', 'none'], {}, /SQUAD_AUTH="none": expected auto or token/],
    [['serve'], { DATABASE_URL: 'mysql://x' }, /DATABASE_URL="mysql:\/\/x": expected a postgres:\/\//],
  ])('squad %j with %j exits 2 naming the variable', async (args, env, message) => {
    const { code, stderr } = await squad(args, env)
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stderr).toContain('docs/configuration.md')
  })

  it('squad token create refuses a bad flag before opening the database', async () => {
    const { code, stderr } = await squad([
      'token',
      'create',
      '--user',
      'nobody',
      '--data-dir',
      join(cwd, 'd'),
    ])
    expect(code).toBe(1)
    expect(stderr).toMatch(/--user: must be a UUID/)
  })
})
