import { events as eventDefinitions, Task } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { newSquad, newTask, taskEvents } from './board-fixture.ts'

describe.skipIf(skipReason)('task events', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  const patch = async (id: string, body: unknown) => {
    const res = await server.request('PATCH', `/api/v1/tasks/${id}`, { body })
    expect(res.status, JSON.stringify(res.json)).toBe(200)
    return Task.parse(res.json)
  }

  it('writes one event per change with the task as it was committed', async () => {
    const squad = await newSquad(server)
    const a = await newTask(server, squad, { title: 'a' })
    const b = await newTask(server, squad, { title: 'b', parent_task_id: a.id })
    const renamed = await patch(a.id, { title: 'renamed' })
    const moved = await patch(a.id, { status: 'in_progress' })
    const both = await patch(b.id, { title: 'both', status: 'done', position: 0 })
    await patch(b.id, { title: 'both', status: 'done' }) // changes nothing: no event
    expect((await server.request('DELETE', `/api/v1/tasks/${a.id}`)).status).toBe(204)

    const log = await taskEvents(server, squad)
    expect(log.map((e) => e.type)).toEqual([
      'task.created',
      'task.created',
      'task.updated',
      'task.moved',
      'task.updated',
      'task.moved',
      'task.updated', // b loses its deleted parent
      'task.deleted',
    ])
    for (const e of log) {
      expect(e.squadId).toBe(squad)
      expect(e.scope).toBe('task')
      expect(e.executionId).toBeNull()
    }
    expect(log.map((e) => e.taskId)).toEqual([a.id, b.id, a.id, a.id, b.id, b.id, b.id, a.id])
    const payloads = log.map((e) => e.payload)
    expect(eventDefinitions.taskCreated.payload.parse(payloads[0])).toEqual(a)
    expect(eventDefinitions.taskCreated.payload.parse(payloads[1])).toEqual(b)
    expect(eventDefinitions.taskUpdated.payload.parse(payloads[2])).toEqual(renamed)
    expect(eventDefinitions.taskMoved.payload.parse(payloads[3])).toEqual({
      task: moved,
      from_status: 'backlog',
      from_position: 0,
    })
    expect(eventDefinitions.taskUpdated.payload.parse(payloads[4])).toEqual(both)
    expect(eventDefinitions.taskMoved.payload.parse(payloads[5])).toEqual({
      task: both,
      from_status: 'backlog',
      from_position: 0,
    })
    expect(eventDefinitions.taskUpdated.payload.parse(payloads[6])).toMatchObject({
      id: b.id,
      parent_task_id: null,
    })
    expect(payloads[7]).toEqual({ id: a.id })
  })

  it('writes nothing, and hands out no number, when a request fails', async () => {
    const squad = await newSquad(server)
    await newTask(server, squad)
    const before = (await taskEvents(server, squad)).length
    const refused = await server.request('POST', `/api/v1/squads/${squad}/tasks`, {
      body: { title: 'x', assignee_id: crypto.randomUUID() },
    })
    expect(refused.status).toBe(422)
    expect(await taskEvents(server, squad)).toHaveLength(before)
    // The counter update rolled back with the failed insert, so numbers have no holes.
    expect((await newTask(server, squad)).number).toBe(2)
  })
})
