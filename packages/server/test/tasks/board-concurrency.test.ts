import { type Task, type TaskStatus, taskStatuses } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { expectDense, newSquad, newTask, readBoard } from './board-fixture.ts'

describe.skipIf(skipReason)('board under concurrent writers', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('hands out unique, gapless task numbers and end positions to concurrent creates', async () => {
    const squad = await newSquad(server)
    const created = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        newTask(server, squad, { title: `t${i}`, status: i % 2 ? 'todo' : 'backlog' }),
      ),
    )
    expect(created.map((t) => t.number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    )
    const board = await readBoard(server, squad)
    expectDense(board)
    expect(board.columns.flatMap((c) => c.tasks)).toHaveLength(25)
  })

  it('keeps every column dense after 20 concurrent moves', async () => {
    const squad = await newSquad(server)
    const tasks: Task[] = []
    for (let i = 0; i < 12; i++)
      tasks.push(await newTask(server, squad, { status: taskStatuses[i % 3] as TaskStatus }))
    // Deterministic but varied: moves across and within columns, some to the same task at once.
    const moves = Array.from({ length: 20 }, (_, i) => {
      const task = tasks[(i * 7) % tasks.length] as Task
      const body: { status?: TaskStatus; position?: number } = {}
      if (i % 3 !== 2) body.status = taskStatuses[(i * 5) % 4] as TaskStatus
      if (i % 4 !== 3) body.position = (i * 3) % 6
      return server.request('PATCH', `/api/v1/tasks/${task.id}`, { body })
    })
    const responses = await Promise.all(moves)
    for (const res of responses) expect(res.status, JSON.stringify(res.json)).toBe(200)
    const board = await readBoard(server, squad)
    expectDense(board)
    const ids = board.columns.flatMap((c) => c.tasks.map((t) => t.id))
    expect(new Set(ids).size).toBe(12)
    expect(ids.sort()).toEqual(tasks.map((t) => t.id).sort())
  })

  it('stays dense when moves, creates and deletes race', async () => {
    const squad = await newSquad(server)
    const tasks: Task[] = []
    for (let i = 0; i < 10; i++)
      tasks.push(await newTask(server, squad, { status: i % 2 ? 'todo' : 'backlog' }))
    const work = [
      ...tasks.slice(0, 4).map((t) => server.request('DELETE', `/api/v1/tasks/${t.id}`)),
      ...tasks
        .slice(4)
        .map((t, i) =>
          server.request('PATCH', `/api/v1/tasks/${t.id}`, { body: { status: 'todo', position: i % 3 } }),
        ),
      ...Array.from({ length: 5 }, () =>
        server.request('POST', `/api/v1/squads/${squad}/tasks`, { body: { title: 'n', status: 'todo' } }),
      ),
    ]
    for (const res of await Promise.all(work)) expect(res.status).toBeLessThan(300)
    const board = await readBoard(server, squad)
    expectDense(board)
    expect(board.columns.flatMap((c) => c.tasks)).toHaveLength(11)
  })
})
