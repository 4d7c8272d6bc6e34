import { Board } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tasks } from '../../src/db/schema.ts'
import { skipReason } from '../helpers/test-db.ts'
import { expectDense, insertAgent, insertRepository } from './board-fixture.ts'
import { expectError, startTwoUserApi } from './two-user-api.ts'

describe.skipIf(skipReason)('tasks API: PATCH and DELETE', () => {
  let api: Awaited<ReturnType<typeof startTwoUserApi>>
  let squadId: string
  const req: typeof api.req = (...args) => api.req(...args)
  const create = (body: Record<string, unknown>, squad = squadId) => api.create(body, squad)
  const patch: typeof api.patch = (...args) => api.patch(...args)
  const newSquad = () => api.newSquad()

  beforeAll(async () => {
    api = await startTwoUserApi()
    squadId = await newSquad()
  })
  afterAll(async () => {
    await api?.server.stop()
  })

  describe('PATCH /tasks/:id', () => {
    it('changes fields, and moves by status (to the end) and by position (clamped)', async () => {
      const squad = await newSquad()
      const [a, b, c] = [await create({}, squad), await create({}, squad), await create({}, squad)]
      const todo = await create({ status: 'todo' }, squad)
      const edited = await patch(a.id, { title: 'New', description: 'd', priority: 'low', labels: ['z'] })
      expect(edited).toMatchObject({
        title: 'New',
        description: 'd',
        priority: 'low',
        labels: ['z'],
        position: 0,
      })
      expect(Date.parse(edited.updated_at)).toBeGreaterThanOrEqual(Date.parse(a.updated_at))

      expect(await patch(a.id, { status: 'todo' })).toMatchObject({ status: 'todo', position: 1 })
      expect((await req('GET', `/tasks/${b.id}`)).json).toMatchObject({ position: 0 })
      expect(await patch(c.id, { status: 'todo', position: 0 })).toMatchObject({
        status: 'todo',
        position: 0,
      })
      expect((await req('GET', `/tasks/${todo.id}`)).json).toMatchObject({ position: 1 })
      expect(await patch(b.id, { position: 99 })).toMatchObject({ status: 'backlog', position: 0 })
      expect(await patch(c.id, { position: 1_000_000 })).toMatchObject({ status: 'todo', position: 2 })
      // Same status without a position is not a move.
      expect(await patch(todo.id, { status: 'todo' })).toMatchObject({ status: 'todo', position: 0 })
      expectDense(Board.parse((await req('GET', `/squads/${squad}/board`)).json))
    })

    it('sets and clears references, refusing other squads and parent cycles', async () => {
      const squad = await newSquad()
      const other = await newSquad()
      const [parent, child, grandchild] = [
        await create({}, squad),
        await create({}, squad),
        await create({}, squad),
      ]
      const agent = await insertAgent(api.server, squad)
      const repository = await insertRepository(api.server, squad)
      expect(
        await patch(child.id, { parent_task_id: parent.id, assignee_id: agent, repository_id: repository }),
      ).toMatchObject({ parent_task_id: parent.id, assignee_id: agent, repository_id: repository })
      await patch(grandchild.id, { parent_task_id: child.id })
      expect(await patch(child.id, { assignee_id: null, repository_id: null })).toMatchObject({
        assignee_id: null,
        repository_id: null,
        parent_task_id: parent.id,
      })
      const refused = [
        { repository_id: await insertRepository(api.server, other) },
        { assignee_id: await insertAgent(api.server, other) },
        { parent_task_id: (await create({}, other)).id },
        { parent_task_id: child.id },
      ]
      for (const body of refused) {
        const target = body.parent_task_id === child.id ? child.id : parent.id
        expect(expectError(await req('PATCH', `/tasks/${target}`, body), 422, 'validation_failed')).toContain(
          Object.keys(body)[0],
        )
      }
      // parent → child → grandchild: making grandchild the parent of parent would close a cycle.
      const cycle = await req('PATCH', `/tasks/${parent.id}`, { parent_task_id: grandchild.id })
      expect(expectError(cycle, 422, 'validation_failed')).toContain('cycle')
    })

    it('answers unknown or foreign tasks with 404 and bad bodies with 4xx', async () => {
      const task = await create({})
      expectError(await req('PATCH', `/tasks/${task.id}`, { title: 'x' }, api.stranger), 404, 'not_found')
      expectError(await req('PATCH', `/tasks/${crypto.randomUUID()}`, { title: 'x' }), 404, 'not_found')
      for (const body of [
        { position: -1 },
        { position: 1.5 },
        { status: 'nope' },
        { title: '' },
        { id: task.id },
      ])
        expectError(await req('PATCH', `/tasks/${task.id}`, body), 422, 'validation_failed')
      const empty = await api.server.request('PATCH', `/api/v1/tasks/${task.id}`, {
        raw: '',
        token: api.owner,
      })
      expectError(empty, 400, 'bad_request')
      expect((await req('GET', `/tasks/${task.id}`)).json).toEqual(task)
    })
  })

  describe('DELETE /tasks/:id', () => {
    it('deletes, closes the gap and detaches subtasks', async () => {
      const squad = await newSquad()
      const [a, b, c] = [await create({}, squad), await create({}, squad), await create({}, squad)]
      const sub = await create({ parent_task_id: b.id, status: 'todo' }, squad)
      // c waited for b and a (a plan's order): it stops waiting for b, still waits for a.
      await api.server.db.database.db
        .update(tasks)
        .set({ blockedBy: [b.id, a.id] })
        .where(eq(tasks.id, c.id))
      expectError(await req('DELETE', `/tasks/${b.id}`, undefined, api.stranger), 404, 'not_found')
      const res = await req('DELETE', `/tasks/${b.id}`)
      expect(res.status).toBe(204)
      expectError(await req('GET', `/tasks/${b.id}`), 404, 'not_found')
      expectError(await req('DELETE', `/tasks/${b.id}`), 404, 'not_found')
      const board = Board.parse((await req('GET', `/squads/${squad}/board`)).json)
      expectDense(board)
      expect(board.columns[0]?.tasks.map((t) => t.id)).toEqual([a.id, c.id])
      expect((await req('GET', `/tasks/${sub.id}`)).json).toMatchObject({ parent_task_id: null })
      expect((await req('GET', `/tasks/${c.id}`)).json).toMatchObject({
        blocked_by: [a.id],
        status: 'backlog',
      })
    })
  })
})
