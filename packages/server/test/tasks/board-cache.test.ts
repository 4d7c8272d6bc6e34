import { Board, Squad, Task } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

describe.skipIf(skipReason)('the board cache', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  const board = (squadId: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/v1/squads/${squadId}/board`, { headers })

  it('answers an ETag, 304 while nothing changed, and the new board right after a change', async () => {
    const squad = Squad.parse(
      (await server.request('POST', '/api/v1/squads', { body: { name: 'cache' } })).json,
    )
    const create = async (title: string) =>
      Task.parse((await server.request('POST', `/api/v1/squads/${squad.id}/tasks`, { body: { title } })).json)
    const a = await create('a')
    await create('b')

    const first = await board(squad.id)
    const etag = first.headers.get('etag') ?? ''
    expect(etag).toMatch(/^"board-\d+"$/)
    expect(Board.parse(await first.json()).columns[0]?.tasks.map((t) => t.title)).toEqual(['a', 'b'])

    const again = await board(squad.id, { 'if-none-match': etag })
    expect(again.status).toBe(304)

    // Read your writes: the move is visible on the very next read, with a new ETag.
    await server.request('PATCH', `/api/v1/tasks/${a.id}`, { body: { position: 1 } })
    const moved = await board(squad.id, { 'if-none-match': etag })
    expect(moved.status).toBe(200)
    expect(moved.headers.get('etag')).not.toBe(etag)
    expect(Board.parse(await moved.json()).columns[0]?.tasks.map((t) => t.title)).toEqual(['b', 'a'])

    // Execution output (scope execution) does not invalidate the board.
    const etag2 = (await board(squad.id)).headers.get('etag') ?? ''
    const { appendEvent } = await import('../../src/events/append-event.ts')
    await server.db.database.db.transaction((tx) =>
      appendEvent(tx, {
        type: 'log',
        squadId: squad.id,
        taskId: a.id,
        executionId: '00000000-0000-7000-8000-0000000000aa',
        payload: { stream: 'stdout', step: null, text: 'x' },
      }),
    )
    expect((await board(squad.id, { 'if-none-match': etag2 })).status).toBe(304)
  })

  it("keeps another user's board a 404 even when it is cached", async () => {
    const other = await startTestServer({ auth: 'token' })
    try {
      const admin = other.bootstrapToken ?? ''
      const squad = Squad.parse(
        (await other.request('POST', '/api/v1/squads', { token: admin, body: { name: 's' } })).json,
      )
      const ok = await fetch(`${other.url}/api/v1/squads/${squad.id}/board`, {
        headers: { authorization: `Bearer ${admin}` },
      })
      expect(ok.status).toBe(200)
      const user = (await other.request('POST', '/api/v1/users', { token: admin, body: { name: 'u' } }))
        .json as { id: string }
      const token = (
        (
          await other.request('POST', '/api/v1/tokens', {
            token: admin,
            body: { name: 'u', user_id: user.id },
          })
        ).json as { token: string }
      ).token
      const denied = await fetch(`${other.url}/api/v1/squads/${squad.id}/board`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(denied.status).toBe(404)
    } finally {
      await other.stop()
    }
  })
})
