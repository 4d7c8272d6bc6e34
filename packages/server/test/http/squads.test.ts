import { ErrorBody, page, Squad } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

describe.skipIf(skipReason)('squads API', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('creates, reads, lists, updates and deletes a squad', async () => {
    const created = await server.request('POST', '/api/v1/squads', {
      body: { name: 'Core', description: 'backend' },
    })
    expect(created.status).toBe(201)
    const squad = Squad.parse(created.json)
    expect(squad).toMatchObject({ name: 'Core', description: 'backend', status: 'active', config: {} })

    const got = await server.request('GET', `/api/v1/squads/${squad.id}`)
    expect(got.status).toBe(200)
    expect(got.json).toEqual(squad)

    const list = page(Squad).parse((await server.request('GET', '/api/v1/squads')).json)
    expect(list.items.map((s) => s.id)).toContain(squad.id)

    const patched = await server.request('PATCH', `/api/v1/squads/${squad.id}`, {
      body: { status: 'archived', config: { max_concurrency: 3 } },
    })
    expect(patched.status).toBe(200)
    expect(Squad.parse(patched.json)).toMatchObject({ status: 'archived', config: { max_concurrency: 3 } })
    // Config merges key by key; null puts a setting back on the server's default.
    const merged = await server.request('PATCH', `/api/v1/squads/${squad.id}`, {
      body: { config: { network: 'disabled' } },
    })
    expect(Squad.parse(merged.json).config).toEqual({ max_concurrency: 3, network: 'disabled' })
    const reset = await server.request('PATCH', `/api/v1/squads/${squad.id}`, {
      body: { config: { max_concurrency: null } },
    })
    expect(Squad.parse(reset.json).config).toEqual({ network: 'disabled' })
    const bad = await server.request('PATCH', `/api/v1/squads/${squad.id}`, {
      body: { config: { max_concurrency: 0 } },
    })
    expect(bad.status).toBe(422)

    expect((await server.request('DELETE', `/api/v1/squads/${squad.id}`)).status).toBe(204)
    expect((await server.request('GET', `/api/v1/squads/${squad.id}`)).status).toBe(404)
  })

  it('takes a network mode and an allowlist, and names the bad entry of one', async () => {
    const squad = Squad.parse(
      (await server.request('POST', '/api/v1/squads', { body: { name: 'Net' } })).json,
    )
    const allow = ['registry.npmjs.org', '*.github.com:443', '10.20.0.0/16', '[::1]:8000', 'fd00::/8']
    const ok = await server.request('PATCH', `/api/v1/squads/${squad.id}`, {
      body: { config: { network: 'allowlist', network_allowlist: allow } },
    })
    expect(ok.status).toBe(200)
    expect(Squad.parse(ok.json).config).toEqual({ network: 'allowlist', network_allowlist: allow })
    const bad = await server.request('PATCH', `/api/v1/squads/${squad.id}`, {
      body: { config: { network_allowlist: ['registry.npmjs.org', 'http://evil.example/path'] } },
    })
    expect(bad.status).toBe(422)
    expect(JSON.stringify(bad.json)).toMatch(/network_allowlist.*1|host name/)
    const mode = await server.request('PATCH', `/api/v1/squads/${squad.id}`, {
      body: { config: { network: 'everything' } },
    })
    expect(mode.status).toBe(422)
    // Nothing of the refused changes was kept.
    const kept = Squad.parse((await server.request('GET', `/api/v1/squads/${squad.id}`)).json)
    expect(kept.config).toEqual({ network: 'allowlist', network_allowlist: allow })
  })

  it('pages through squads with next_cursor', async () => {
    for (let i = 0; i < 5; i++)
      await server.request('POST', '/api/v1/squads', { body: { name: `page-${i}` } })
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res = await server.request('GET', `/api/v1/squads?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      const body = page(Squad).parse(res.json)
      seen.push(...body.items.map((s) => s.id))
      cursor = body.next_cursor
    } while (cursor)
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.length).toBeGreaterThanOrEqual(5)
  })

  it('answers bad input with the one error shape', async () => {
    const cases = [
      { raw: '{"name":', headers: { 'content-type': 'application/json' }, status: 400, code: 'invalid_json' },
      { body: { name: '' }, status: 422, code: 'validation_failed' },
      { body: { name: 'x', surprise: true }, status: 422, code: 'validation_failed' },
      {
        raw: 'name=x',
        headers: { 'content-type': 'text/plain' },
        status: 415,
        code: 'unsupported_media_type',
      },
      { raw: '', status: 400, code: 'bad_request' },
    ]
    for (const c of cases) {
      const res = await server.request('POST', '/api/v1/squads', c)
      expect(res.status, JSON.stringify(c)).toBe(c.status)
      expect(ErrorBody.parse(res.json).error.code).toBe(c.code)
    }
    const missing = await server.request('GET', '/api/v1/squads/not-a-uuid')
    expect(missing.status).toBe(404)
    expect(ErrorBody.parse(missing.json).error.code).toBe('not_found')
  })
  it('says what is wrong in words a person reads, naming the kind of thing an unknown id was for', async () => {
    const said = async (method: string, path: string, body?: unknown) =>
      ErrorBody.parse((await server.request(method, `/api/v1${path}`, body ? { body } : {})).json).error
    expect((await said('POST', '/squads', { name: '  ' })).message).toBe(
      'Invalid request body: name: Name is required',
    )
    expect((await said('POST', '/squads', { name: 'x', config: { max_concurrency: 0 } })).message).toBe(
      'Invalid request body: config.max_concurrency: must be a whole number from 1 to 64',
    )
    expect((await said('GET', '/squads/not-a-uuid')).message).toBe('Squad not-a-uuid was not found')
    expect((await said('GET', '/tasks/nope/executions')).message).toBe('Task nope was not found')
    expect((await said('GET', '/repositories/x/pulls/1')).message).toBe('Repository x was not found')
  })
})
