import { Task, type TaskStatus, taskStatuses } from '@agent-squad/contract'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import {
  boardIds,
  emptyModel,
  expectDense,
  type Model,
  modelDelete,
  modelMove,
  newSquad,
  newTask,
  readBoard,
} from './board-fixture.ts'

// Random sequences of creates, moves, reorders and deletes against the API and against the
// in-memory model (plain array splices): after every run the board must equal the model and stay dense.

const status = fc.constantFrom(...taskStatuses)
// Tasks are picked by index modulo the live count, so every command applies to an existing task.
const command = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('create' as const), status }) },
  {
    weight: 5,
    arbitrary: fc.record(
      {
        kind: fc.constant('move' as const),
        pick: fc.nat(),
        status,
        position: fc.integer({ min: 0, max: 12 }),
      },
      { requiredKeys: ['kind', 'pick'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
)

describe.skipIf(skipReason)('board positions (property)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('matches the model and stays dense after random moves, reorders and deletes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 30 }), async (commands) => {
        const squad = await newSquad(server)
        const model: Model = emptyModel()
        const live: string[] = []
        const pick = (n: number) => live[n % live.length] as string
        for (const cmd of commands) {
          if (cmd.kind === 'create' || live.length === 0) {
            const s = cmd.kind === 'create' ? cmd.status : 'backlog'
            const task = await newTask(server, squad, { status: s })
            model[s].push(task.id)
            live.push(task.id)
          } else if (cmd.kind === 'move') {
            const id = pick(cmd.pick)
            const body: { status?: TaskStatus; position?: number } = {}
            if (cmd.status !== undefined) body.status = cmd.status
            if (cmd.position !== undefined) body.position = cmd.position
            const res = await server.request('PATCH', `/api/v1/tasks/${id}`, { body })
            expect(res.status).toBe(200)
            modelMove(model, id, body)
            const task = Task.parse(res.json)
            expect(model[task.status].indexOf(id)).toBe(task.position)
          } else {
            const id = pick(cmd.pick)
            expect((await server.request('DELETE', `/api/v1/tasks/${id}`)).status).toBe(204)
            modelDelete(model, id)
            live.splice(live.indexOf(id), 1)
          }
        }
        const board = await readBoard(server, squad)
        expectDense(board)
        expect(boardIds(board)).toEqual(model)
      }),
      { numRuns: 25 },
    )
    // Hundreds of requests: allow more than the default when the machine is busy with other files.
  }, 120_000)
})
