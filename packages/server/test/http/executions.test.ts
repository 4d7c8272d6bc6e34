import { Agent, ErrorBody, Execution, ExecutionStep, ExecutionWithSteps, page } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { executionSteps, squads, taskExecutions, tasks, users } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

const StepList = z.object({ items: z.array(ExecutionStep), next_cursor: z.null() })
const expectError = (res: { status: number; json: unknown }, status: number, code: string) => {
  expect(res.status, JSON.stringify(res.json)).toBe(status)
  expect(ErrorBody.parse(res.json).error.code).toBe(code)
}

// Starting executions arrives with the pipeline; until then the tests write rows directly.
describe.skipIf(skipReason)('executions API (read side)', () => {
  let server: TestServer
  let squadId: string
  let agentId: string
  let taskId: string
  /** Oldest first, as inserted. */
  const executionIds: string[] = []
  const db = () => server.db.database.db
  const t0 = new Date('2025-01-02T03:04:05.000Z')
  const at = (ms: number) => new Date(t0.getTime() + ms)

  beforeAll(async () => {
    server = await startTestServer()
    squadId = (
      (await server.request('POST', '/api/v1/squads', { body: { name: 'Exec' } })).json as { id: string }
    ).id
    const agent = await server.request('POST', `/api/v1/squads/${squadId}/agents`, {
      body: { name: 'Runner', role: 'backend' },
    })
    agentId = Agent.parse(agent.json).id
    // The tasks API belongs to another change; a task row is all these reads need.
    taskId = newId()
    await db().insert(tasks).values({ id: taskId, squadId, number: 7, title: 'Add health check' })
    for (let attempt = 1; attempt <= 5; attempt++) {
      const id = newId()
      executionIds.push(id)
      await db()
        .insert(taskExecutions)
        .values({
          id,
          taskId,
          squadId,
          agentId,
          attempt,
          status: attempt === 5 ? 'running' : 'failed',
          gitBranch: 'task-7',
          commitHistory: attempt === 4 ? [{ sha: 'abc123', message: 'feat: add health check' }] : [],
          error: attempt === 5 ? null : 'push rejected',
          startedAt: at(0),
          finishedAt: attempt === 5 ? null : at(60_000),
        })
    }
    // Inserted out of order on purpose: reads must order by seq, not by insertion.
    const latest = executionIds[4] as string
    await db()
      .insert(executionSteps)
      .values([
        {
          id: newId(),
          executionId: latest,
          name: 'agent',
          seq: 4,
          status: 'running',
          attempt: 1,
          startedAt: at(3000),
        },
        {
          id: newId(),
          executionId: latest,
          name: 'provision',
          seq: 1,
          status: 'succeeded',
          attempt: 1,
          startedAt: at(0),
          finishedAt: at(1250),
          result: { sandbox: 'local' },
        },
        {
          id: newId(),
          executionId: latest,
          name: 'clone',
          seq: 2,
          status: 'succeeded',
          attempt: 1,
          startedAt: at(1250),
          finishedAt: at(2000),
        },
        {
          id: newId(),
          executionId: latest,
          name: 'branch',
          seq: 3,
          status: 'succeeded',
          attempt: 2,
          startedAt: at(2000),
          finishedAt: at(2000),
        },
        { id: newId(), executionId: latest, name: 'commit', seq: 5, status: 'pending' },
      ])
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('lists a task’s executions newest first, paging towards older ones', async () => {
    const all = await server.request('GET', `/api/v1/tasks/${taskId}/executions`)
    expect(all.status).toBe(200)
    const body = page(Execution).parse(all.json)
    expect(body.items.map((e) => e.attempt)).toEqual([5, 4, 3, 2, 1])
    expect(body.next_cursor).toBeNull()
    expect(body.items[1]).toMatchObject({
      squad_id: squadId,
      agent_id: agentId,
      status: 'failed',
      git_branch: 'task-7',
      commit_history: [{ sha: 'abc123', message: 'feat: add health check' }],
      started_at: t0.toISOString(),
      finished_at: at(60_000).toISOString(),
    })

    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res = await server.request(
        'GET',
        `/api/v1/tasks/${taskId}/executions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      )
      const p: { items: Execution[]; next_cursor: string | null } = page(Execution).parse(res.json)
      seen.push(...p.items.map((e) => e.id))
      cursor = p.next_cursor
    } while (cursor)
    expect(seen).toEqual([...executionIds].reverse())
  })

  it('gets an execution with its steps in seq order and their durations', async () => {
    const res = await server.request('GET', `/api/v1/executions/${executionIds[4]}`)
    expect(res.status).toBe(200)
    const execution = ExecutionWithSteps.parse(res.json)
    expect(execution).toMatchObject({
      id: executionIds[4],
      task_id: taskId,
      status: 'running',
      finished_at: null,
    })
    expect(execution.steps.map((s) => [s.name, s.duration_ms])).toEqual([
      ['provision', 1250],
      ['clone', 750],
      ['branch', 0],
      ['agent', null],
      ['commit', null],
    ])
    expect(execution.steps[0]).toMatchObject({ result: { sandbox: 'local' }, error: null, attempt: 1 })
    expect(execution.steps[4]).toMatchObject({ status: 'pending', started_at: null, result: null })

    const steps = await server.request('GET', `/api/v1/executions/${executionIds[4]}/steps`)
    expect(steps.status).toBe(200)
    expect(StepList.parse(steps.json)).toEqual({ items: execution.steps, next_cursor: null })
  })

  it('answers an execution without steps with an empty list', async () => {
    const res = await server.request('GET', `/api/v1/executions/${executionIds[0]}`)
    expect(ExecutionWithSteps.parse(res.json).steps).toEqual([])
    const steps = await server.request('GET', `/api/v1/executions/${executionIds[0]}/steps`)
    expect(steps.json).toEqual({ items: [], next_cursor: null })
  })

  it('refuses bad list queries', async () => {
    for (const qs of ['?limit=0', '?limit=abc', '?cursor=nope', '?status=running'])
      expectError(
        await server.request('GET', `/api/v1/tasks/${taskId}/executions${qs}`),
        422,
        'validation_failed',
      )
  })

  it('answers 404 for unknown, malformed and other users’ ids alike', async () => {
    const otherUser = newId()
    const otherSquad = newId()
    const otherTask = newId()
    const otherExecution = newId()
    await db().insert(users).values({ id: otherUser, name: 'mallory' })
    await db().insert(squads).values({ id: otherSquad, userId: otherUser, name: 'theirs' })
    await db().insert(tasks).values({ id: otherTask, squadId: otherSquad, number: 1, title: 'secret' })
    await db().insert(taskExecutions).values({ id: otherExecution, taskId: otherTask, squadId: otherSquad })

    for (const id of [newId(), 'not-a-uuid', otherTask])
      expectError(await server.request('GET', `/api/v1/tasks/${id}/executions`), 404, 'not_found')
    for (const id of [newId(), 'not-a-uuid', otherExecution]) {
      expectError(await server.request('GET', `/api/v1/executions/${id}`), 404, 'not_found')
      expectError(await server.request('GET', `/api/v1/executions/${id}/steps`), 404, 'not_found')
    }
  })
})
