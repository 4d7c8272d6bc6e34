import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { SecretList } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { secrets } from '../../src/db/schema.ts'
import { secretContext } from '../../src/secrets/secret-dto.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

const bin = fileURLToPath(new URL('../../bin/squad.js', import.meta.url))
const VALUE = 'sk-piped-from-stdin-0123456789'

/** Runs `squad …` with `stdin` piped in; nothing from the developer's shell leaks in. */
function squad(args: string[], stdin = '') {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin)
  })
}

describe.skipIf(skipReason)('squad secret set|list|rm', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('stores a value read from stdin, lists names only, and removes it', async () => {
    const squadId = (
      (await server.request('POST', '/api/v1/squads', { body: { name: 'cli' } })).json as { id: string }
    ).id
    const url = ['--url', server.url]
    const set = await squad(['secret', 'set', squadId, 'OPENAI_API_KEY', ...url], `${VALUE}\n`)
    expect(set.code, set.stderr).toBe(0)
    expect(set.stderr).toMatch(/^Stored OPENAI_API_KEY/)
    expect(`${set.stdout}${set.stderr}`).not.toContain(VALUE)
    // One trailing newline is dropped; the value is stored encrypted, exactly as piped.
    const [row] = await server.db.database.db.select().from(secrets)
    expect(row?.ciphertext).not.toContain(VALUE)
    expect(
      server.deps.secretBox.decrypt(row?.ciphertext ?? '', secretContext(squadId, 'OPENAI_API_KEY')),
    ).toBe(VALUE)
    const listed = SecretList.parse((await server.request('GET', `/api/v1/squads/${squadId}/secrets`)).json)
    expect(listed.items.map((s) => s.name)).toEqual(['OPENAI_API_KEY'])

    const list = await squad(['secret', 'list', squadId, ...url])
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toMatch(/^OPENAI_API_KEY\t\d{4}-\d\d-\d\dT/)
    expect(list.stdout).not.toContain(VALUE)

    const bad = await squad(['secret', 'set', squadId, 'lower', ...url], 'x')
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/Invalid secret name "lower"/)
    const empty = await squad(['secret', 'set', squadId, 'EMPTY', ...url], '')
    expect(empty.code).toBe(1)
    expect(empty.stderr).toMatch(/No value on stdin/)

    expect((await squad(['secret', 'rm', squadId, 'OPENAI_API_KEY', ...url])).code).toBe(0)
    const again = await squad(['secret', 'rm', squadId, 'OPENAI_API_KEY', ...url])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/Secret OPENAI_API_KEY was not found/)
  })
})
