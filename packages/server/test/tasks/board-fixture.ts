import { Board, type CreateTaskBody, Squad, Task, type TaskStatus, taskStatuses } from '@agent-squad/contract'
import { asc, eq } from 'drizzle-orm'
import { expect } from 'vitest'
import { events, repositories, squadMembers } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import type { TestServer } from '../helpers/test-server.ts'

// Shared by the task tests: small HTTP shortcuts, direct inserts for rows whose own API is built
// elsewhere (agents, repositories), and the in-memory board model the API is compared against.

type Opts = { token?: string }

export async function newSquad(server: TestServer, name = 'board', opts: Opts = {}): Promise<string> {
  const res = await server.request('POST', '/api/v1/squads', { body: { name }, ...opts })
  expect(res.status).toBe(201)
  return Squad.parse(res.json).id
}

export async function newTask(
  server: TestServer,
  squadId: string,
  body: Partial<CreateTaskBody> = {},
  opts: Opts = {},
): Promise<Task> {
  const res = await server.request('POST', `/api/v1/squads/${squadId}/tasks`, {
    body: { title: 'task', ...body },
    ...opts,
  })
  expect(res.status, JSON.stringify(res.json)).toBe(201)
  return Task.parse(res.json)
}

export async function readBoard(server: TestServer, squadId: string, opts: Opts = {}): Promise<Board> {
  const res = await server.request('GET', `/api/v1/squads/${squadId}/board`, opts)
  expect(res.status).toBe(200)
  return Board.parse(res.json)
}

/** Every column holds positions 0..n-1 exactly once, in order, and only tasks of its status. */
export function expectDense(board: Board) {
  expect(board.columns.map((c) => c.status)).toEqual([...taskStatuses])
  for (const column of board.columns) {
    expect(
      column.tasks.map((t) => t.position),
      column.status,
    ).toEqual(column.tasks.map((_, i) => i))
    for (const task of column.tasks) expect(task.status).toBe(column.status)
  }
}

/** The board as ids per column, to compare with the model. */
export const boardIds = (board: Board): Model =>
  Object.fromEntries(board.columns.map((c) => [c.status, c.tasks.map((t) => t.id)])) as Model

export async function insertAgent(server: TestServer, squadId: string): Promise<string> {
  const id = newId()
  await server.db.database.db.insert(squadMembers).values({ id, squadId, name: 'dev', role: 'backend' })
  return id
}

export async function insertRepository(server: TestServer, squadId: string): Promise<string> {
  const id = newId()
  await server.db.database.db.insert(repositories).values({ id, squadId, name: `repo-${id}`, kind: 'local' })
  return id
}

/** The squad's task events, oldest first, straight from the log. */
export const taskEvents = async (server: TestServer, squadId: string) =>
  (
    await server.db.database.db
      .select()
      .from(events)
      .where(eq(events.squadId, squadId))
      .orderBy(asc(events.id))
  ).filter((e) => e.type.startsWith('task.'))

/** The board as the API should keep it: ordered task ids per column. */
export type Model = Record<TaskStatus, string[]>

export const emptyModel = (): Model =>
  Object.fromEntries(taskStatuses.map((s) => [s, []])) as unknown as Model

function locate(model: Model, id: string): { status: TaskStatus; position: number } {
  for (const status of taskStatuses) {
    const position = model[status].indexOf(id)
    if (position >= 0) return { status, position }
  }
  throw new Error(`task ${id} is not in the model`)
}

/** The documented PATCH semantics, written the obvious way (array splice) rather than with shifts. */
export function modelMove(model: Model, id: string, input: { status?: TaskStatus; position?: number }) {
  const from = locate(model, id)
  const status = input.status ?? from.status
  if (status === from.status && input.position === undefined) return
  model[from.status].splice(from.position, 1)
  const column = model[status]
  column.splice(Math.min(input.position ?? column.length, column.length), 0, id)
}

export function modelDelete(model: Model, id: string) {
  const from = locate(model, id)
  model[from.status].splice(from.position, 1)
}
