import { Agent, ErrorBody, eventsByType, page } from '@agent-squad/contract'
import { asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, squadMembers, squads, tasks, users } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

describe.skipIf(skipReason)('agents API', () => {
  let server: TestServer
  const db = () => server.db.database.db

  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  const createSquad = async (name = 'Core') => {
    const res = await server.request('POST', '/api/v1/squads', { body: { name } })
    return (res.json as { id: string }).id
  }
  const createAgent = async (squadId: string, body: Record<string, unknown>) => {
    const res = await server.request('POST', `/api/v1/squads/${squadId}/agents`, { body })
    expect(res.status, JSON.stringify(res.json)).toBe(201)
    return Agent.parse(res.json)
  }
  /** The squad's agent events, each payload checked against its contract schema. */
  const agentEvents = async (squadId: string) => {
    const rows = await db().select().from(events).where(eq(events.squadId, squadId)).orderBy(asc(events.id))
    return rows
      .filter((row) => row.type.startsWith('agent.'))
      .map((row) => ({ type: row.type, payload: eventsByType.get(row.type)?.payload.parse(row.payload) }))
  }
  const expectError = (res: { status: number; json: unknown }, status: number, code: string) => {
    expect(res.status, JSON.stringify(res.json)).toBe(status)
    expect(ErrorBody.parse(res.json).error.code).toBe(code)
  }

  it('creates, reads, lists, updates and deletes an agent, writing one event per change', async () => {
    const squadId = await createSquad()
    const agent = await createAgent(squadId, {
      name: 'Backend Bot',
      role: 'backend',
      specialization: 'APIs',
      llm_provider: 'anthropic',
      llm_model: 'claude-sonnet',
      system_prompt: 'You write TypeScript.',
      config: { temperature: 0.2, tools: ['shell'] },
    })
    expect(agent).toMatchObject({
      squad_id: squadId,
      name: 'Backend Bot',
      role: 'backend',
      llm_provider: 'anthropic',
      is_active: true,
      sandbox_id: null,
      current_task_id: null,
      git_context: {},
    })

    const got = await server.request('GET', `/api/v1/agents/${agent.id}`)
    expect(got.status).toBe(200)
    expect(got.json).toEqual(agent)

    const list = page(Agent).parse((await server.request('GET', `/api/v1/squads/${squadId}/agents`)).json)
    expect(list).toEqual({ items: [agent], next_cursor: null })

    const patched = await server.request('PATCH', `/api/v1/agents/${agent.id}`, {
      body: { name: 'API Bot', is_active: false, config: { temperature: 0.5 } },
    })
    expect(patched.status).toBe(200)
    const updated = Agent.parse(patched.json)
    // Config is merged key by key: `tools` survives a patch that only names `temperature`.
    expect(updated).toMatchObject({
      name: 'API Bot',
      is_active: false,
      role: 'backend',
      config: { temperature: 0.5, tools: ['shell'] },
    })

    expect((await server.request('DELETE', `/api/v1/agents/${agent.id}`)).status).toBe(204)
    expectError(await server.request('GET', `/api/v1/agents/${agent.id}`), 404, 'not_found')
    expectError(await server.request('DELETE', `/api/v1/agents/${agent.id}`), 404, 'not_found')

    expect(await agentEvents(squadId)).toEqual([
      { type: 'agent.created', payload: agent },
      { type: 'agent.updated', payload: updated },
      { type: 'agent.deleted', payload: { id: agent.id } },
    ])
  })

  it('fills defaults for a minimal body', async () => {
    const squadId = await createSquad()
    const agent = await createAgent(squadId, { name: '  Codemod  ', role: 'devops' })
    expect(agent).toMatchObject({
      name: 'Codemod',
      specialization: '',
      llm_provider: 'script',
      llm_model: '',
      system_prompt: '',
      config: {},
      is_active: true,
    })
  })

  it('filters by role and is_active and pages by id', async () => {
    const squadId = await createSquad('Filters')
    const made: Agent[] = []
    for (const [i, role] of ['backend', 'frontend', 'backend', 'qa', 'backend'].entries())
      made.push(await createAgent(squadId, { name: `a${i}`, role, is_active: i !== 2 }))

    const list = async (qs: string) => {
      const res = await server.request('GET', `/api/v1/squads/${squadId}/agents${qs}`)
      expect(res.status, JSON.stringify(res.json)).toBe(200)
      return page(Agent).parse(res.json)
    }
    expect((await list('?role=backend')).items.map((a) => a.name)).toEqual(['a0', 'a2', 'a4'])
    expect((await list('?role=backend&is_active=true')).items.map((a) => a.name)).toEqual(['a0', 'a4'])
    expect((await list('?is_active=false')).items.map((a) => a.name)).toEqual(['a2'])
    expect((await list('?role=reviewer')).items).toEqual([])

    const seen: string[] = []
    let cursor: string | null = null
    do {
      const body: { items: Agent[]; next_cursor: string | null } = await list(
        `?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      )
      expect(body.items.length).toBeLessThanOrEqual(2)
      seen.push(...body.items.map((a) => a.id))
      cursor = body.next_cursor
    } while (cursor)
    expect(seen).toEqual(made.map((a) => a.id))
  })

  it('unassigns the tasks of a deleted agent', async () => {
    const squadId = await createSquad()
    const agent = await createAgent(squadId, { name: 'Worker', role: 'backend' })
    const taskId = newId()
    await db().insert(tasks).values({ id: taskId, squadId, number: 1, title: 't', assigneeId: agent.id })
    expect((await server.request('DELETE', `/api/v1/agents/${agent.id}`)).status).toBe(204)
    const [task] = await db().select().from(tasks).where(eq(tasks.id, taskId))
    expect(task?.assigneeId).toBeNull()
  })

  it('answers bad bodies and queries with the one error shape', async () => {
    const squadId = await createSquad()
    const path = `/api/v1/squads/${squadId}/agents`
    const cases = [
      { raw: '{"name":', headers: { 'content-type': 'application/json' }, status: 400, code: 'invalid_json' },
      { raw: '', status: 400, code: 'bad_request' },
      {
        raw: 'name=x',
        headers: { 'content-type': 'text/plain' },
        status: 415,
        code: 'unsupported_media_type',
      },
      { body: { role: 'backend' }, status: 422, code: 'validation_failed' },
      { body: { name: 'x', role: 'Back End!' }, status: 422, code: 'validation_failed' },
      { body: { name: 'x', role: 'qa', llm_provider: 'skynet' }, status: 422, code: 'validation_failed' },
      { body: { name: 'x', role: 'qa', config: [] }, status: 422, code: 'validation_failed' },
      { body: { name: 'x', role: 'qa', is_admin: true }, status: 422, code: 'validation_failed' },
    ]
    for (const c of cases) expectError(await server.request('POST', path, c), c.status, c.code)

    const agent = await createAgent(squadId, { name: 'x', role: 'qa' })
    const patch = (body: unknown) => server.request('PATCH', `/api/v1/agents/${agent.id}`, { body })
    expectError(await patch({ role: '' }), 422, 'validation_failed')
    expectError(await patch({ squad_id: squadId }), 422, 'validation_failed')
    expectError(await patch({ is_active: 'yes' }), 422, 'validation_failed')

    for (const qs of ['?is_active=yes', '?role=BAD', '?limit=0', '?cursor=nope', '?surprise=1'])
      expectError(await server.request('GET', `${path}${qs}`), 422, 'validation_failed')
    // Nothing but the one valid create reached the event log.
    expect((await agentEvents(squadId)).map((e) => e.type)).toEqual(['agent.created'])
  })

  it('answers 404 for unknown, malformed and other users’ ids alike', async () => {
    const otherUser = newId()
    const otherSquad = newId()
    const otherAgent = newId()
    await db().insert(users).values({ id: otherUser, name: 'mallory' })
    await db().insert(squads).values({ id: otherSquad, userId: otherUser, name: 'theirs' })
    await db().insert(squadMembers).values({ id: otherAgent, squadId: otherSquad, name: 'them', role: 'qa' })

    const body = { name: 'x', role: 'qa' }
    for (const squadId of [newId(), 'not-a-uuid', otherSquad]) {
      expectError(await server.request('GET', `/api/v1/squads/${squadId}/agents`), 404, 'not_found')
      expectError(
        await server.request('POST', `/api/v1/squads/${squadId}/agents`, { body }),
        404,
        'not_found',
      )
    }
    for (const agentId of [newId(), 'not-a-uuid', otherAgent]) {
      expectError(await server.request('GET', `/api/v1/agents/${agentId}`), 404, 'not_found')
      expectError(
        await server.request('PATCH', `/api/v1/agents/${agentId}`, { body: { name: 'mine' } }),
        404,
        'not_found',
      )
      expectError(await server.request('DELETE', `/api/v1/agents/${agentId}`), 404, 'not_found')
    }
    const [theirs] = await db().select().from(squadMembers).where(eq(squadMembers.id, otherAgent))
    expect(theirs?.name).toBe('them')
    expect(await db().select().from(events).where(eq(events.squadId, otherSquad))).toEqual([])
  })
})
