import { ErrorBody, type Squad } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEvents } from '../../src/events/read-events.ts'
import {
  append,
  createSquad,
  createTaskAndExecution,
  logIds,
  logLine,
  squadUpdated,
  taskEvent,
} from '../events/event-fixtures.ts'
import { openSse, type SseClient } from '../helpers/sse-client.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

describe.skipIf(skipReason)('SSE streams', () => {
  let server: TestServer
  const open: SseClient[] = []
  const sse = async (path: string, opts?: Parameters<typeof openSse>[1]) => {
    const client = await openSse(`${server.url}${path}`, opts)
    open.push(client)
    return client
  }

  beforeAll(async () => {
    server = await startTestServer({ env: { SQUAD_HEARTBEAT_MS: '100' } })
  })
  afterAll(async () => {
    for (const client of open) client.abort()
    await server?.stop()
  })

  describe('replay from Last-Event-ID', () => {
    let squad: Squad
    let ids: number[]
    beforeAll(async () => {
      squad = await createSquad(server, 'replay')
      const other = await createSquad(server, 'someone else')
      for (let i = 0; i < 5; i++) {
        await append(server.db.database.db, squadUpdated(squad, `v${i}`))
        await append(server.db.database.db, squadUpdated(other, `noise ${i}`))
      }
      ids = await logIds(server.db.database.db, { kind: 'squad', id: squad.id })
    })

    it('sends the whole log of the stream, in order, to a client without a last id', async () => {
      expect(ids).toHaveLength(6)
      const client = await sse(`/api/v1/sse/squads/${squad.id}`)
      const events = await client.waitForEvents(6)
      const log = await readEvents(server.db.database.db, {
        key: { kind: 'squad', id: squad.id },
        afterId: 0,
        limit: 100,
      })
      expect(events).toEqual(log)
      expect(events.map((e) => e.type)).toEqual(['squad.created', ...Array(5).fill('squad.updated')])
      expect(client.messages.filter((m) => m.id !== null).map((m) => [m.id, m.event])).toEqual(
        log.map((e) => [String(e.id), e.type]),
      )
      expect(client.connected()?.last_event_id).toBeNull()
    })

    it.each([
      ['the Last-Event-ID header', (id: number) => ({ lastEventId: id }), ''],
      ['?last_event_id= on the first request', () => ({}), '?last_event_id='],
    ])('with %s, sends exactly the later events, in order', async (_, opts, query) => {
      const after = ids[2] as number
      const client = await sse(
        `/api/v1/sse/squads/${squad.id}${query ? `${query}${after}` : ''}`,
        opts(after),
      )
      await client.waitForEvents(3)
      expect(client.connected()?.last_event_id).toBe(after)
      // A marker written now proves nothing else was queued before it.
      const [marker] = await append(server.db.database.db, squadUpdated(squad, 'marker'))
      await client.waitFor((m) => m.id === String(marker))
      const expected = await logIds(server.db.database.db, { kind: 'squad', id: squad.id }, after)
      expect(expected.slice(0, 3)).toEqual(ids.slice(3))
      expect(expected.at(-1)).toBe(marker)
      expect(client.events.map((e) => e.id)).toEqual(expected)
    })

    it('replays from the start, saying so, for a Last-Event-ID beyond the log (the data was reset)', async () => {
      const client = await sse(`/api/v1/sse/squads/${squad.id}`, { lastEventId: 9_000_000_000 })
      await client.waitForEvents(ids.length)
      expect(client.connected()).toMatchObject({ last_event_id: null, reset: true })
      expect(client.events.map((e) => e.id).slice(0, ids.length)).toEqual(ids)
      // An id the log has reached is taken as it is.
      const normal = await sse(`/api/v1/sse/squads/${squad.id}`, { lastEventId: ids[4] as number })
      await normal.waitForEvents(1)
      expect(normal.connected()?.reset).toBeUndefined()
    })

    it('prefers the header to the query parameter (a reconnecting EventSource keeps its first URL)', async () => {
      const client = await sse(`/api/v1/sse/squads/${squad.id}?last_event_id=${ids[0]}`, {
        lastEventId: ids[4] as number,
      })
      const [marker] = await append(server.db.database.db, squadUpdated(squad, 'marker 2'))
      await client.waitFor((m) => m.id === String(marker))
      expect(client.events.map((e) => e.id).slice(0, 2)).toEqual([ids[5], expect.any(Number)])
      expect(client.events.every((e) => e.id > (ids[4] as number))).toBe(true)
    })

    it('goes live after the replay: events committed later arrive once, in order', async () => {
      const client = await sse(`/api/v1/sse/squads/${squad.id}`)
      await client.waitForEvents(ids.length)
      const live: number[] = []
      for (let i = 0; i < 10; i++)
        live.push(...(await append(server.db.database.db, squadUpdated(squad, `live ${i}`))))
      await client.waitFor((m) => m.id === String(live.at(-1)))
      const all = await logIds(server.db.database.db, { kind: 'squad', id: squad.id })
      expect(client.events.map((e) => e.id)).toEqual(all)
      expect(all.slice(-10)).toEqual(live)
    })
  })

  describe('the stream itself', () => {
    it('starts with a connected event and sends heartbeats at SQUAD_HEARTBEAT_MS, with streaming headers', async () => {
      const squad = await createSquad(server, 'headers')
      const started = Date.now()
      const client = await sse(`/api/v1/sse/squads/${squad.id}`)
      expect(client.status).toBe(200)
      expect(client.headers.get('content-type')).toMatch(/^text\/event-stream/)
      expect(client.headers.get('x-accel-buffering')).toBe('no')
      expect(client.headers.get('cache-control')).toContain('no-cache')
      await client.waitFor((m) => m.event === 'heartbeat', { timeoutMs: 2000 })
      await client.waitFor((m) => m.event === 'heartbeat' && m !== client.messages[1], { timeoutMs: 2000 })
      expect(Date.now() - started).toBeLessThan(1500)

      const [first] = client.messages
      expect(first?.event).toBe('connected')
      expect(first?.id).toBeNull()
      expect(client.connected()).toMatchObject({
        stream: `squad:${squad.id}`,
        last_event_id: null,
        heartbeat_ms: 100,
      })
      expect(client.retry).toBe(2000)
      // The squad.created event comes after connected; heartbeats never move the last event id.
      expect(client.messages.findIndex((m) => m.event === 'squad.created')).toBeGreaterThan(0)
      for (const m of client.messages.filter((m) => m.event === 'heartbeat')) {
        expect(m.id).toBeNull()
        expect(JSON.parse(m.data)).toEqual({ time: expect.any(String) })
      }
      expect(client.lastEventId).toBe(String(client.events[0]?.id))
    })
  })

  describe('scopes', () => {
    it('keeps execution-scoped events off the squad stream and sends them to the task and execution streams', async () => {
      const db = server.db.database.db
      const squad = await createSquad(server, 'scopes')
      const { task, execution } = await createTaskAndExecution(db, squad.id)
      const squadStream = await sse(`/api/v1/sse/squads/${squad.id}`)
      const taskStream = await sse(`/api/v1/sse/tasks/${task.id}`)
      const executionStream = await sse(`/api/v1/sse/executions/${execution.id}`)

      const [created] = await logIds(db, { kind: 'squad', id: squad.id })
      const [onTask] = await append(db, taskEvent(task))
      const logs = await append(db, logLine(execution, 'one'), logLine(execution, 'two'))
      const [last] = await append(db, squadUpdated(squad, 'end'))

      await squadStream.waitFor((m) => m.id === String(last))
      await taskStream.waitForEvents(3)
      await executionStream.waitForEvents(2)

      expect(squadStream.events.map((e) => e.id)).toEqual([created, onTask, last])
      expect(taskStream.events.map((e) => e.id)).toEqual([onTask, ...logs])
      expect(executionStream.events.map((e) => e.id)).toEqual(logs)
      expect(taskStream.messages.filter((m) => m.event === 'log')).toHaveLength(2)

      // Replay applies the same filter as the live path.
      for (const [kind, id, client] of [
        ['squads', squad.id, squadStream],
        ['tasks', task.id, taskStream],
        ['executions', execution.id, executionStream],
      ] as const) {
        const replay = await sse(`/api/v1/sse/${kind}/${id}`)
        await replay.waitForEvents(client.events.length)
        expect(replay.events).toEqual(client.events)
      }
    })
  })

  describe('refusals', () => {
    it('answers a malformed Last-Event-ID with 422 and the one error shape', async () => {
      const squad = await createSquad(server, 'bad ids')
      const cases: Array<[string, Record<string, string>]> = [
        ['', { 'last-event-id': 'abc' }],
        ['', { 'last-event-id': '-1' }],
        ['', { 'last-event-id': '1.5' }],
        ['', { 'last-event-id': '1e3' }],
        ['', { 'last-event-id': '12345678901234567890' }],
        ['?last_event_id=nope', {}],
      ]
      for (const [query, headers] of cases) {
        const client = await sse(`/api/v1/sse/squads/${squad.id}${query}`, { headers })
        expect(client.status, JSON.stringify({ query, headers })).toBe(422)
        expect(ErrorBody.parse(client.json).error.code).toBe('validation_failed')
      }
    })

    it('answers an unknown stream id with 404', async () => {
      const unknown = '01900000-0000-7000-8000-000000000000'
      for (const path of [
        `squads/${unknown}`,
        `tasks/${unknown}`,
        `executions/${unknown}`,
        'squads/not-a-uuid',
        'tasks/1',
      ]) {
        const client = await sse(`/api/v1/sse/${path}`)
        expect(client.status, path).toBe(404)
        expect(ErrorBody.parse(client.json).error.code).toBe('not_found')
      }
    })
  })
})

describe.skipIf(skipReason)('SSE streams with token auth', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ auth: 'token' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  async function userWithToken(name: string): Promise<string> {
    const admin = server.bootstrapToken as string
    const user = await server.request('POST', '/api/v1/users', { body: { name }, token: admin })
    expect(user.status).toBe(201)
    const token = await server.request('POST', '/api/v1/tokens', {
      body: { name: 'sse', user_id: (user.json as { id: string }).id },
      token: admin,
    })
    expect(token.status).toBe(201)
    return (token.json as { token: string }).token
  }

  it("answers 404 on another user's streams, exactly as for a missing one, and 401 without a token", async () => {
    const alice = await userWithToken('alice')
    const bob = await userWithToken('bob')
    const db = server.db.database.db
    const squad = await createSquad(server, 'alice only', alice)
    const { task, execution } = await createTaskAndExecution(db, squad.id)
    const paths = [`squads/${squad.id}`, `tasks/${task.id}`, `executions/${execution.id}`]

    for (const path of paths) {
      const url = `${server.url}/api/v1/sse/${path}`
      const own = await openSse(url, { token: alice })
      expect(own.status, path).toBe(200)
      own.abort()
      // EventSource cannot send headers: the token may ride in the query string.
      const viaQuery = await openSse(`${url}?access_token=${alice}`)
      expect(viaQuery.status, path).toBe(200)
      viaQuery.abort()

      const foreign = await openSse(url, { token: bob })
      expect(foreign.status, path).toBe(404)
      expect(ErrorBody.parse(foreign.json).error.code).toBe('not_found')
      const anonymous = await openSse(url)
      expect(anonymous.status, path).toBe(401)
    }
  })
})
