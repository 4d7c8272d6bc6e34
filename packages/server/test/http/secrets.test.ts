import { ErrorBody, Secret, SecretList } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, secrets, squads, users } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import { formsOf } from '../../src/secrets/redactor.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

type Res = { status: number; json: unknown }
const expectError = (res: Res, status: number, code: string) => {
  expect(res.status, JSON.stringify(res.json)).toBe(status)
  const error = ErrorBody.parse(res.json).error
  expect(error.code).toBe(code)
  return error
}

const VALUE = 'sk-live-secret-value-0123456789abcdef'
const REPLACED = 'sk-replaced-value-9876543210fedcba'

describe.skipIf(skipReason)('secrets API', () => {
  let server: TestServer
  const db = () => server.db.database.db
  const createSquad = async () =>
    ((await server.request('POST', '/api/v1/squads', { body: { name: 'Core' } })).json as { id: string }).id
  const put = (squadId: string, name: string, body: unknown) =>
    server.request('PUT', `/api/v1/squads/${squadId}/secrets/${name}`, { body })
  const list = (squadId: string) => server.request('GET', `/api/v1/squads/${squadId}/secrets`)

  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('stores, replaces, lists and deletes secrets without ever returning a value', async () => {
    const squadId = await createSquad()
    const created = await put(squadId, 'OPENAI_API_KEY', { value: VALUE })
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    const first = Secret.parse(created.json)
    expect(created.json).toEqual({
      name: 'OPENAI_API_KEY',
      created_at: first.created_at,
      updated_at: first.updated_at,
    })

    const replaced = await put(squadId, 'OPENAI_API_KEY', { value: REPLACED })
    expect(replaced.status).toBe(200)
    const second = Secret.parse(replaced.json)
    expect(second.created_at).toBe(first.created_at)
    expect(Date.parse(second.updated_at)).toBeGreaterThanOrEqual(Date.parse(first.updated_at))
    expect((await put(squadId, '_TOKEN_2', { value: 'x' })).status).toBe(201)

    const listed = await list(squadId)
    expect(listed.status).toBe(200)
    expect(SecretList.parse(listed.json).items.map((s) => s.name)).toEqual(['OPENAI_API_KEY', '_TOKEN_2'])
    expect(SecretList.parse(listed.json).next_cursor).toBeNull()
    for (const res of [created, replaced, listed]) {
      expect(JSON.stringify(res.json)).not.toContain(VALUE)
      expect(JSON.stringify(res.json)).not.toContain(REPLACED)
      expect(JSON.stringify(res.json)).not.toMatch(/value|ciphertext/)
    }

    // At rest: one row per name, the value nowhere in it in any form (plain, URL-encoded, base64).
    const rows = await db().select().from(secrets).where(eq(secrets.squadId, squadId))
    expect(rows.map((r) => r.name).sort()).toEqual(['OPENAI_API_KEY', '_TOKEN_2'])
    const stored = JSON.stringify(rows)
    for (const form of [...formsOf(VALUE), ...formsOf(REPLACED)]) expect(stored).not.toContain(form)
    // No event carries a secret's change (nor its value).
    expect(await db().select().from(events).where(eq(events.type, 'secret.updated'))).toEqual([])
    expect(JSON.stringify(await db().select().from(events).where(eq(events.squadId, squadId)))).not.toContain(
      'OPENAI_API_KEY',
    )

    expect((await server.request('DELETE', `/api/v1/squads/${squadId}/secrets/OPENAI_API_KEY`)).status).toBe(
      204,
    )
    expect(SecretList.parse((await list(squadId)).json).items.map((s) => s.name)).toEqual(['_TOKEN_2'])
    expectError(
      await server.request('DELETE', `/api/v1/squads/${squadId}/secrets/OPENAI_API_KEY`),
      404,
      'not_found',
    )
    expectError(
      await server.request('DELETE', `/api/v1/squads/${squadId}/secrets/NEVER_SET`),
      404,
      'not_found',
    )
  })

  it('the same name in two squads is two secrets; deleting a squad deletes its secrets', async () => {
    const [a, b] = [await createSquad(), await createSquad()]
    expect((await put(a, 'GITHUB_TOKEN', { value: 'ghp_aaaaaaaaaaaa' })).status).toBe(201)
    expect((await put(b, 'GITHUB_TOKEN', { value: 'ghp_bbbbbbbbbbbb' })).status).toBe(201)
    expect((await server.request('DELETE', `/api/v1/squads/${a}/secrets/GITHUB_TOKEN`)).status).toBe(204)
    expect(SecretList.parse((await list(b)).json).items).toHaveLength(1)
    expect((await server.request('DELETE', `/api/v1/squads/${b}`)).status).toBe(204)
    expect(await db().select().from(secrets).where(eq(secrets.squadId, b))).toEqual([])
  })

  it('refuses bad names and values with typed errors, storing nothing', async () => {
    const squadId = await createSquad()
    for (const name of ['lower_case', '9STARTS_WITH_DIGIT', 'HAS-DASH', 'A'.repeat(65), 'SP%20ACE']) {
      const error = expectError(await put(squadId, name, { value: 'v' }), 422, 'validation_failed')
      expect(error.message).toMatch(/^Invalid secret name .*must look like an environment variable/)
      expect(error.details).toMatchObject({ issues: [{ path: 'name' }] })
    }
    expectError(await put(squadId, 'EMPTY', { value: '' }), 422, 'validation_failed')
    expectError(await put(squadId, 'MISSING', {}), 422, 'validation_failed')
    expectError(await put(squadId, 'NUMBER', { value: 42 }), 422, 'validation_failed')
    expectError(await put(squadId, 'EXTRA', { value: 'v', name: 'OTHER' }), 422, 'validation_failed')
    const big = expectError(await put(squadId, 'BIG', { value: 'é'.repeat(5121) }), 422, 'validation_failed')
    expect(big.message).toContain('at most 10240 bytes')
    expect((await put(squadId, 'JUST_FITS', { value: 'x'.repeat(10 * 1024) })).status).toBe(201)
    expectError(
      await server.request('PUT', `/api/v1/squads/${squadId}/secrets/NO_BODY`, { raw: '' }),
      400,
      'bad_request',
    )
    expectError(
      await server.request('PUT', `/api/v1/squads/${squadId}/secrets/BAD_JSON`, {
        raw: '{"value":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'invalid_json',
    )
    const names = (await db().select().from(secrets).where(eq(secrets.squadId, squadId))).map((r) => r.name)
    expect(names).toEqual(['JUST_FITS'])
  })

  it("answers 404 for unknown, malformed and other users' squads, and leaves theirs alone", async () => {
    const otherUser = newId()
    const otherSquad = newId()
    await db().insert(users).values({ id: otherUser, name: 'mallory' })
    await db().insert(squads).values({ id: otherSquad, userId: otherUser, name: 'theirs' })
    await db()
      .insert(secrets)
      .values({ id: newId(), squadId: otherSquad, name: 'THEIR_KEY', ciphertext: 'AAAA' })

    for (const squadId of [newId(), 'not-a-uuid', otherSquad]) {
      expectError(await list(squadId), 404, 'not_found')
      expectError(await put(squadId, 'THEIR_KEY', { value: 'overwritten' }), 404, 'not_found')
      expectError(
        await server.request('DELETE', `/api/v1/squads/${squadId}/secrets/THEIR_KEY`),
        404,
        'not_found',
      )
    }
    const [theirs] = await db().select().from(secrets).where(eq(secrets.squadId, otherSquad))
    expect(theirs).toMatchObject({ name: 'THEIR_KEY', ciphertext: 'AAAA' })
  })
})
