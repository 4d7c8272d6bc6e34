import { Agent, ErrorBody, Execution, Review, Squad, Task } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reviews, taskExecutions } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import { seedLocalRepository } from '../helpers/seed-local-repo.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

const expectError = (res: { status: number; json: unknown }, status: number, code: string) => {
  expect(res.status, JSON.stringify(res.json)).toBe(status)
  expect(ErrorBody.parse(res.json).error.code).toBe(code)
}

// The worker is off here: executions only queue, so what each request decides can be read directly.
describe.skipIf(skipReason)('reviews API and the team workflow start rules', () => {
  let server: TestServer
  let squad: Squad
  let repoId: string
  const db = () => server.db.database.db
  const post = async <T>(path: string, body: unknown, parse: { parse(v: unknown): T }) => {
    const res = await server.request('POST', path, { body })
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.json)}`)
    return parse.parse(res.json)
  }
  const agent = (name: string, role: string, llm_provider = 'openai-compatible') =>
    post(
      `/api/v1/squads/${squad.id}/agents`,
      {
        name,
        role,
        llm_provider,
        ...(llm_provider === 'script'
          ? {}
          : { llm_model: 'm', config: { base_url: 'http://127.0.0.1:9/v1' } }),
      },
      Agent,
    )
  const task = (body: Record<string, unknown>) =>
    post(`/api/v1/squads/${squad.id}/tasks`, { repository_id: repoId, ...body }, Task)
  const start = (taskId: string) => server.request('POST', `/api/v1/tasks/${taskId}/executions`, { body: {} })

  beforeAll(async () => {
    server = await startTestServer()
    squad = await post(
      '/api/v1/squads',
      { name: 'Team', config: { workflow: { mode: 'team', max_review_rounds: 1 } } },
      Squad,
    )
    repoId = (
      await post(
        `/api/v1/squads/${squad.id}/repositories`,
        { name: 'app' },
        { parse: (v) => v as { id: string } },
      )
    ).id
    await seedLocalRepository(server, { squad_id: squad.id, name: 'app' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('stores the workflow in the squad config and refuses a bad one', async () => {
    expect(squad.config.workflow).toEqual({ mode: 'team', max_review_rounds: 1 })
    const bad = await server.request('PATCH', `/api/v1/squads/${squad.id}`, {
      body: { config: { workflow: { mode: 'swarm' } } },
    })
    expectError(bad, 422, 'validation_failed')
    const rounds = await server.request('PATCH', `/api/v1/squads/${squad.id}`, {
      body: { config: { workflow: { mode: 'team', max_review_rounds: 9 } } },
    })
    expectError(rounds, 422, 'validation_failed')
  })

  it('a top-level task of a built-in lead is planned; a script lead, a specialist or a subtask just run', async () => {
    const lead = await agent('Lena', 'lead')
    const scriptLead = await agent('Old lead', 'lead', 'script')
    const backend = await agent('Bo', 'backend')
    const planned = await task({ title: 'Big feature', assignee_id: lead.id })
    const res = await start(planned.id)
    expect(res.status).toBe(202)
    expect(Execution.parse(res.json).run_reason).toBe('plan')

    const scripted = await task({ title: 'Scripted', assignee_id: scriptLead.id, script: 'true' })
    expect(Execution.parse((await start(scripted.id)).json).run_reason).toBe('start')
    const direct = await task({ title: 'Small fix', assignee_id: backend.id })
    expect(Execution.parse((await start(direct.id)).json).run_reason).toBe('start')
    const parent = await task({ title: 'Split already', assignee_id: lead.id })
    const child = await task({ title: 'Part', assignee_id: lead.id, parent_task_id: parent.id })
    expect(Execution.parse((await start(child.id)).json).run_reason).toBe('start')
    // Once split, the parent is not planned again: its subtasks carry the work.
    const again = await start(parent.id)
    expectError(again, 409, 'conflict')
    expect(ErrorBody.parse(again.json).error.message).toContain(`#${child.number}`)
  })

  it('a review needs a pull request, and changes requested need words', async () => {
    const backend = await agent('Bea', 'backend')
    const fresh = await task({ title: 'No PR yet', assignee_id: backend.id })
    const early = await server.request('POST', `/api/v1/tasks/${fresh.id}/reviews`, {
      body: { verdict: 'approved' },
    })
    expectError(early, 409, 'conflict')
    expectError(
      await server.request('POST', `/api/v1/tasks/${fresh.id}/reviews`, {
        body: { verdict: 'changes_requested' },
      }),
      422,
      'validation_failed',
    )
    expectError(
      await server.request('POST', `/api/v1/tasks/${fresh.id}/reviews`, {
        body: { verdict: 'maybe', body: 'x' },
      }),
      422,
      'validation_failed',
    )
    expectError(
      await server.request('POST', `/api/v1/tasks/${newId()}/reviews`, { body: { verdict: 'approved' } }),
      404,
      'not_found',
    )
    expect(await db().select().from(reviews).where(eq(reviews.taskId, fresh.id))).toEqual([])
  })

  it('changes requested by a person queue the implementer on the same branch; a running task refuses', async () => {
    const impl = await agent('Ivy', 'frontend')
    const t = await task({ title: 'With PR', assignee_id: impl.id })
    // A finished implementation with a pull request, as the pipeline leaves it.
    await db()
      .insert(taskExecutions)
      .values({
        id: newId(),
        taskId: t.id,
        squadId: squad.id,
        agentId: impl.id,
        status: 'succeeded',
        gitBranch: `task-${t.number}`,
        pullRequestUrl: '/pulls/1',
        finishedAt: new Date(),
      })
    const res = await server.request('POST', `/api/v1/tasks/${t.id}/reviews`, {
      body: {
        verdict: 'changes_requested',
        body: 'Handle the empty list.',
        comments: [{ path: 'src/list.ts', line: 4, body: 'here' }],
      },
    })
    expect(res.status, JSON.stringify(res.json)).toBe(201)
    const { review, follow_up_execution_id } = res.json as { review: Review; follow_up_execution_id: string }
    expect(review).toMatchObject({
      author_kind: 'user',
      verdict: 'changes_requested',
      round: 1,
      pull_request_url: '/pulls/1',
      follow_up_execution_id,
      comments: [{ path: 'src/list.ts', line: 4, body: 'here' }],
    })
    const [queued] = await db()
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.id, follow_up_execution_id))
    expect(queued).toMatchObject({
      runReason: 'revision',
      agentId: impl.id,
      gitBranch: `task-${t.number}`,
      status: 'queued',
    })
    // The revision is queued: another request for changes waits for it.
    const busy = await server.request('POST', `/api/v1/tasks/${t.id}/reviews`, {
      body: { verdict: 'changes_requested', body: 'And more.' },
    })
    expectError(busy, 409, 'conflict')
    const comment = await server.request('POST', `/api/v1/tasks/${t.id}/reviews`, {
      body: { verdict: 'commented', body: 'Nice so far.' },
    })
    expect(comment.status).toBe(201)
    const listed = await server.request('GET', `/api/v1/tasks/${t.id}/reviews`)
    const items = (listed.json as { items: unknown[] }).items.map((r) => Review.parse(r))
    expect(
      items.map((r) => `${r.round}:${r.verdict}:${r.follow_up_execution_id ? 'follow-up' : '-'}`),
    ).toEqual(['1:changes_requested:follow-up', '2:commented:-'])
  })
})
