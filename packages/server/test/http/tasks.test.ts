import { Board, page, Task, taskStatuses } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipReason } from '../helpers/test-db.ts'
import { expectDense, insertAgent, insertRepository } from '../tasks/board-fixture.ts'
import { expectError, startTwoUserApi } from '../tasks/two-user-api.ts'

// Creating, reading, listing and the board. PATCH and DELETE: test/tasks/update-delete-task.test.ts.

describe.skipIf(skipReason)('tasks API', () => {
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

  describe('POST /squads/:id/tasks', () => {
    it('creates tasks with defaults, per-squad numbers and end-of-column positions', async () => {
      const squad = await newSquad()
      const a = await create({ title: '  Fix login  ' }, squad)
      expect(a).toMatchObject({
        squad_id: squad,
        number: 1,
        title: 'Fix login',
        description: '',
        status: 'backlog',
        position: 0,
        priority: 'medium',
        labels: [],
        repository_id: null,
        assignee_id: null,
        parent_task_id: null,
        blocked_by: [],
        script: null,
      })
      const b = await create({ status: 'todo', labels: ['x', 'x', 'y'], priority: 'urgent' }, squad)
      expect(b).toMatchObject({ number: 2, status: 'todo', position: 0, labels: ['x', 'y'] })
      expect(await create({}, squad)).toMatchObject({ number: 3, status: 'backlog', position: 1 })
      // Numbers are per squad: another squad starts again at 1.
      expect((await create({}, await newSquad())).number).toBe(1)
    })

    it('accepts references to rows of the same squad', async () => {
      const repository = await insertRepository(api.server, squadId)
      const agent = await insertAgent(api.server, squadId)
      const parent = await create({})
      const child = await create({ repository_id: repository, assignee_id: agent, parent_task_id: parent.id })
      expect(child).toMatchObject({
        repository_id: repository,
        assignee_id: agent,
        parent_task_id: parent.id,
      })
    })

    it('refuses references to another squad with 422 naming the field', async () => {
      const other = await newSquad()
      const refs = {
        repository_id: await insertRepository(api.server, other),
        assignee_id: await insertAgent(api.server, other),
        parent_task_id: (await create({}, other)).id,
      }
      for (const [field, id] of Object.entries(refs)) {
        const res = await req('POST', `/squads/${squadId}/tasks`, { title: 't', [field]: id })
        expect(expectError(res, 422, 'validation_failed')).toContain(field)
        expect(JSON.stringify(res.json)).toContain(id)
      }
      const unknown = await req('POST', `/squads/${squadId}/tasks`, {
        title: 't',
        assignee_id: crypto.randomUUID(),
      })
      expect(expectError(unknown, 422, 'validation_failed')).toContain('assignee_id')
    })

    it('answers unknown and foreign squads with 404 and bad bodies with the error shape', async () => {
      expectError(await req('POST', `/squads/${crypto.randomUUID()}/tasks`, { title: 't' }), 404, 'not_found')
      expectError(
        await req('POST', `/squads/${squadId}/tasks`, { title: 't' }, api.stranger),
        404,
        'not_found',
      )
      expectError(await req('POST', '/squads/nope/tasks', { title: 't' }), 404, 'not_found')
      const bad = [
        {},
        { title: '   ' },
        { title: 't', status: 'archived' },
        { title: 't', priority: 'whenever' },
        { title: 't', labels: ['a,b'] },
        { title: 't', repository_id: 'not-a-uuid' },
        { title: 't', surprise: 1 },
      ]
      for (const body of bad)
        expectError(await req('POST', `/squads/${squadId}/tasks`, body), 422, 'validation_failed')
      const raw = await api.server.request('POST', `/api/v1/squads/${squadId}/tasks`, {
        raw: '{"title":',
        headers: { 'content-type': 'application/json' },
        token: api.owner,
      })
      expectError(raw, 400, 'invalid_json')
    })
  })

  describe('GET /tasks/:id', () => {
    it('returns an owned task and 404 for anything else', async () => {
      const task = await create({ title: 'read me' })
      const got = await req('GET', `/tasks/${task.id}`)
      expect(got.status).toBe(200)
      expect(Task.parse(got.json)).toEqual(task)
      expectError(await req('GET', `/tasks/${task.id}`, undefined, api.stranger), 404, 'not_found')
      expectError(await req('GET', `/tasks/${crypto.randomUUID()}`), 404, 'not_found')
      expectError(await req('GET', '/tasks/42'), 404, 'not_found')
    })
  })

  describe('GET /squads/:id/tasks', () => {
    it('filters by status, assignee, label and text, and pages by cursor', async () => {
      const squad = await newSquad()
      const agent = await insertAgent(api.server, squad)
      const a = await create({ title: 'Login page', labels: ['ui', 'auth'], assignee_id: agent }, squad)
      const b = await create({ title: 'API', description: 'rate 100% of _calls_', status: 'todo' }, squad)
      const c = await create({ title: 'login API', labels: ['auth'], status: 'todo' }, squad)
      const ids = async (query: string) => {
        const res = await req('GET', `/squads/${squad}/tasks${query}`)
        expect(res.status, JSON.stringify(res.json)).toBe(200)
        return page(Task)
          .parse(res.json)
          .items.map((t) => t.id)
      }
      expect(await ids('')).toEqual([a.id, b.id, c.id])
      expect(await ids('?status=todo')).toEqual([b.id, c.id])
      expect(await ids(`?assignee_id=${agent}`)).toEqual([a.id])
      expect(await ids('?label=auth')).toEqual([a.id, c.id])
      expect(await ids('?label=ui&status=backlog')).toEqual([a.id])
      expect(await ids('?label=nope')).toEqual([])
      expect(await ids('?q=LOGIN')).toEqual([a.id, c.id])
      // % and _ are matched literally, not as wildcards.
      expect(await ids(`?q=${encodeURIComponent('100%')}`)).toEqual([b.id])
      expect(await ids('?q=_calls_')).toEqual([b.id])
      expect(await ids(`?q=${encodeURIComponent('%')}`)).toEqual([b.id])
      expect(await ids('?q=a_i')).toEqual([])

      const seen: string[] = []
      let cursor: string | null = null
      do {
        const res = await req('GET', `/squads/${squad}/tasks?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        const body = page(Task).parse(res.json)
        expect(body.items.length).toBeLessThanOrEqual(2)
        seen.push(...body.items.map((t) => t.id))
        cursor = body.next_cursor
      } while (cursor)
      expect(seen).toEqual([a.id, b.id, c.id])
    })

    it('answers bad queries with 422 and foreign squads with 404', async () => {
      for (const q of ['status=nope', 'cursor=abc', 'limit=0', 'assignee_id=x', 'unknown=1'])
        expectError(await req('GET', `/squads/${squadId}/tasks?${q}`), 422, 'validation_failed')
      expectError(await req('GET', `/squads/${squadId}/tasks`, undefined, api.stranger), 404, 'not_found')
    })
  })

  describe('GET /squads/:id/board', () => {
    it('returns all seven columns in order with tasks by position', async () => {
      const squad = await newSquad()
      const empty = Board.parse((await req('GET', `/squads/${squad}/board`)).json)
      expect(empty.columns).toEqual(taskStatuses.map((status) => ({ status, tasks: [] })))
      const t1 = await create({ status: 'todo' }, squad)
      const t2 = await create({ status: 'todo' }, squad)
      const t3 = await create({ status: 'done' }, squad)
      await patch(t2.id, { position: 0 })
      const board = Board.parse((await req('GET', `/squads/${squad}/board`)).json)
      expectDense(board)
      const col = (s: string) => board.columns.find((c) => c.status === s)?.tasks.map((t) => t.id)
      expect(col('todo')).toEqual([t2.id, t1.id])
      expect(col('done')).toEqual([t3.id])
      expectError(await req('GET', `/squads/${squad}/board`, undefined, api.stranger), 404, 'not_found')
      expectError(await req('GET', `/squads/${crypto.randomUUID()}/board`), 404, 'not_found')
    })
  })
})
