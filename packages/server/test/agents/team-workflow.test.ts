import { Agent, Execution, PullRequest, Review, type StreamEvent, Task } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSse } from '../helpers/sse-client.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createTask, logOf, setupSquad, startTask } from '../pipeline/pipeline-fixture.ts'
import { hasBwrap } from './agent-harness.ts'
import { startFakeOpenAI } from './fakes/openai-chat-server.ts'
import type { FakeModelServer, FakeTurn, RecordedRequest } from './fakes/scripted-model.ts'

const skip = skipReason ?? (hasBwrap ? null : 'bubblewrap is not installed (apt-get install bubblewrap)')

const files = {
  'README.md': '# Shop\n',
  'api.txt': 'api v1\n',
  'ui.txt': 'ui v1\n',
  VERSION: 'version 1\n',
}

type Message = { role: string; content: unknown }
const textOf = (content: unknown): string => (typeof content === 'string' ? content : JSON.stringify(content))

/** Who is talking and how far along: the system prompt's mode, the task line, the turns so far. */
function conversationOf(request: RecordedRequest) {
  const messages = (request.body.messages ?? []) as Message[]
  const system = textOf(messages[0]?.content)
  const task = textOf(messages[1]?.content)
  const mode = system.includes('This run is a planning run')
    ? 'plan'
    : system.includes('This run is a review')
      ? 'review'
      : 'implement'
  const turn = messages.filter((m) => m.role === 'assistant').length
  return { mode, task, turn }
}

const call = (name: string, args: Record<string, unknown>): FakeTurn => ({
  toolCalls: [{ id: `${name}-${Math.random().toString(36).slice(2, 8)}`, name, args }],
})
const finish = (summary: string): FakeTurn =>
  call('finish', { summary, commit_type: 'feat', commit_scope: null, commit_subject: null })

/**
 * The squad's model, one fake OpenAI-compatible server for every agent: each request is answered
 * from its conversation (mode, task, turn), so the lead, two specialists and the reviewer can talk
 * to it at the same time.
 */
function squadScript(request: RecordedRequest): FakeTurn {
  const { mode, task, turn } = conversationOf(request)
  if (mode === 'plan' && task.includes('Hand it on'))
    return call('split_task', {
      summary: 'Handler, then the page that shows it.',
      subtasks: [
        { title: 'Write the handler', description: 'handler.txt', role: 'backend' },
        { title: 'Wire the page', description: 'page.txt shows the handler', role: 'frontend' },
      ],
    })
  if (mode === 'plan' && task.includes('Ship in order'))
    return call('split_task', {
      summary: 'The API first, then the UI that calls it.',
      subtasks: [
        { title: 'Build the API first', description: 'api.txt to v3.', role: 'backend' },
        {
          title: 'Then the UI',
          description: 'ui.txt to v3, calling the new API.',
          role: 'frontend',
          after: [1],
        },
      ],
    })
  if (mode === 'plan') {
    if (turn === 0) return call('list', { path: '.' })
    return call('split_task', {
      summary: 'Backend bumps the API, frontend the UI; both stamp the version.',
      subtasks: [
        { title: 'Bump the API', description: 'api.txt to v2, and VERSION to 2.', role: 'backend' },
        { title: 'Bump the UI', description: 'ui.txt to v2, and VERSION to 2.', role: 'Frontend' },
      ],
    })
  }
  const revision = task.includes('# Review feedback to address')
  if (mode === 'review' && task.includes('Hand it on'))
    return task.includes('review round 1')
      ? call('submit_review', { verdict: 'changes_requested', body: 'Add NOTES.md describing the flow.' })
      : call('submit_review', { verdict: 'approved', body: 'The chain is complete.' })
  if (mode === 'review' && task.includes('Touch the README'))
    return {
      error: { status: 401, body: { error: { message: 'invalid api key', type: 'invalid_request_error' } } },
    }
  if (mode === 'review') {
    const round = Number(/review round (\d+)/.exec(task)?.[1] ?? 0)
    if (turn === 0) return call('git_diff', { path: '.' })
    if (task.includes('Bump the API') && round === 1)
      return call('submit_review', {
        verdict: 'changes_requested',
        body: 'The API bump has no changelog entry.',
        comments: [{ path: 'api.txt', line: 1, body: 'Add CHANGELOG.md saying "API v2".' }],
      })
    return call('submit_review', { verdict: 'approved', body: 'Looks right.' })
  }
  // Specialists: slow first turns (streamed text), so the two runs overlap in time for sure.
  const slow: FakeTurn = {
    text: 'Looking at the files this task names before changing anything in them.',
    chunkDelayMs: 120,
    toolCalls: [{ id: 'look', name: 'list', args: { path: '.' } }],
  }
  if (task.includes('Bump the API')) {
    if (revision) {
      if (turn === 0) return call('write', { path: 'CHANGELOG.md', content: 'API v2\n' })
      return finish('Added the changelog entry the review asked for.')
    }
    return [
      slow,
      call('edit', { path: 'api.txt', old_string: 'v1', new_string: 'v2' }),
      call('write', { path: 'VERSION', content: 'version 2 (api)\n' }),
      finish('The API is v2.'),
    ][turn] as FakeTurn
  }
  if (task.includes('Write the handler'))
    return [call('write', { path: 'handler.txt', content: 'handler v1\n' }), finish('Handler.')][
      turn
    ] as FakeTurn
  // The second link builds on the first: the handler is already in its workspace.
  if (task.includes('Wire the page'))
    return [call('run', { command: 'cat handler.txt > page.txt' }), finish('Page.')][turn] as FakeTurn
  if (task.includes('Hand it on') && revision)
    return [call('write', { path: 'NOTES.md', content: 'handler → page\n' }), finish('Notes.')][
      turn
    ] as FakeTurn
  if (task.includes('Build the API first'))
    return [call('write', { path: 'api.txt', content: 'api v3\n' }), finish('API v3.')][turn] as FakeTurn
  if (task.includes('Then the UI'))
    return [call('write', { path: 'ui.txt', content: 'ui v3\n' }), finish('UI v3.')][turn] as FakeTurn
  if (task.includes('Touch the README'))
    return [call('write', { path: 'README.md', content: '# Shop\n\nTouched.\n' }), finish('Touched.')][
      turn
    ] as FakeTurn
  if (task.includes('Bump the UI')) {
    if (revision) {
      if (turn === 0) return call('write', { path: 'README.md', content: '# Shop\n\nUI v2.\n' })
      return finish('The README mentions UI v2, as asked.')
    }
    return [
      slow,
      call('edit', { path: 'ui.txt', old_string: 'v1', new_string: 'v2' }),
      call('write', { path: 'VERSION', content: 'version 2 (ui)\n' }),
      finish('The UI is v2.'),
    ][turn] as FakeTurn
  }
  return { error: { status: 400, body: { error: { message: `unscripted conversation: ${task}` } } } }
}

async function json<T>(
  server: TestServer,
  method: string,
  path: string,
  parse: (v: unknown) => T,
  body?: unknown,
) {
  const res = await server.request(method, path, body === undefined ? {} : { body })
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`)
  return parse(res.json)
}
const executionsOf = (server: TestServer, taskId: string) =>
  json(server, 'GET', `/api/v1/tasks/${taskId}/executions`, (v) =>
    (v as { items: unknown[] }).items.map((e) => Execution.parse(e)).reverse(),
  )
const reviewsOf = (server: TestServer, taskId: string) =>
  json(server, 'GET', `/api/v1/tasks/${taskId}/reviews`, (v) =>
    (v as { items: unknown[] }).items.map((r) => Review.parse(r)),
  )
const tasksOf = (server: TestServer, squadId: string) =>
  json(server, 'GET', `/api/v1/squads/${squadId}/tasks?limit=100`, (v) =>
    (v as { items: unknown[] }).items.map((t) => Task.parse(t)),
  )

/** Polls until every execution of the squad's tasks has ended and `until` holds. */
async function settle(
  server: TestServer,
  squadId: string,
  until: () => Promise<boolean>,
  timeoutMs = 90_000,
) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const all = await Promise.all((await tasksOf(server, squadId)).map((t) => executionsOf(server, t.id)))
    const busy = all.flat().some((e) => e.status === 'queued' || e.status === 'running')
    if (!busy && (await until())) return
    await new Promise((r) => setTimeout(r, 200))
  }
  const state = await Promise.all(
    (await tasksOf(server, squadId)).map(async (t) => ({
      task: `#${t.number} ${t.title} ${t.status}`,
      runs: (await executionsOf(server, t.id)).map((e) => `${e.run_reason}:${e.status}:${e.error ?? ''}`),
    })),
  )
  throw new Error(`the squad did not settle: ${JSON.stringify(state, null, 2)}`)
}

async function createAgent(
  server: TestServer,
  squadId: string,
  model: FakeModelServer,
  name: string,
  role: string,
) {
  return json(server, 'POST', `/api/v1/squads/${squadId}/agents`, (v) => Agent.parse(v), {
    name,
    role,
    llm_provider: 'openai-compatible',
    llm_model: 'squad-model',
    config: { base_url: model.url },
  })
}

describe.skipIf(skip)(
  'a squad that works as a team (lead, specialists, reviewer; fake model over HTTP)',
  () => {
    let server: TestServer
    let model: FakeModelServer
    beforeAll(async () => {
      model = await startFakeOpenAI(squadScript)
      server = await startTestServer({
        env: { SQUAD_WORKER: 'true', SQUAD_KEEP_FAILED_SANDBOX_MINUTES: '0' },
        engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
      })
    })
    afterAll(async () => {
      await server?.stop()
      await model?.close()
    })

    it('the lead splits, two specialists work in parallel, the reviewer asks once, the revision lands on the same PR, overlaps are flagged', async () => {
      const { squad, agent: scriptBot, repo } = await setupSquad(server, files)
      await json(server, 'PATCH', `/api/v1/squads/${squad.id}`, (v) => v, {
        config: { max_concurrency: 4, workflow: { mode: 'team', max_review_rounds: 2 } },
      })
      // Only the model agents take work: the fixture's script agent steps aside.
      await json(server, 'PATCH', `/api/v1/agents/${scriptBot.id}`, (v) => v, { is_active: false })
      const lead = await createAgent(server, squad.id, model, 'Lena', 'lead')
      const backend = await createAgent(server, squad.id, model, 'Bo', 'backend')
      const frontend = await createAgent(server, squad.id, model, 'Fay', 'frontend')
      const reviewer = await createAgent(server, squad.id, model, 'Rex', 'reviewer')
      const squadStream = await openSse(`${server.url}/api/v1/sse/squads/${squad.id}`)
      try {
        const parent = await createTask(server, squad.id, {
          title: 'Ship version 2',
          description: 'API and UI both go to v2.',
          repository_id: repo.id,
          assignee_id: lead.id,
        })
        const plan = await startTask(server, parent.id)
        expect(plan.run_reason).toBe('plan')

        const subtasksOf = async () =>
          (await tasksOf(server, squad.id)).filter((t) => t.parent_task_id === parent.id)
        await settle(server, squad.id, async () => {
          const subtasks = await subtasksOf()
          if (subtasks.length !== 2) return false
          const reviews = await Promise.all(subtasks.map((t) => reviewsOf(server, t.id)))
          return reviews.every((r) => r.at(-1)?.verdict === 'approved')
        })

        // The plan: two subtasks on the board, by role, each started at once on its own branch.
        const planRun = (await executionsOf(server, parent.id))[0]
        expect(planRun?.status, planRun && (await logOf(server, planRun.id))).toBe('succeeded')
        expect(planRun?.pull_request_url).toBeNull()
        const subtasks = (await subtasksOf()).sort((a, b) => a.number - b.number)
        const [api, ui] = subtasks
        if (!api || !ui) throw new Error('no subtasks')
        expect(api).toMatchObject({ title: 'Bump the API', assignee_id: backend.id, repository_id: repo.id })
        expect(ui).toMatchObject({ title: 'Bump the UI', assignee_id: frontend.id })
        expect(api.description).toContain(`Part of #${parent.number}`)

        const apiRuns = await executionsOf(server, api.id)
        const uiRuns = await executionsOf(server, ui.id)
        expect(apiRuns.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
          'start:succeeded',
          'review:succeeded',
          'revision:succeeded',
          'review:succeeded',
        ])
        expect(uiRuns.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
          'start:succeeded',
          'review:succeeded',
        ])
        const [apiStart, apiReview, apiRevision] = apiRuns
        const [uiStart] = uiRuns
        if (!apiStart || !apiReview || !apiRevision || !uiStart) throw new Error('runs missing')
        // Separate branches, in parallel: each run started before the other finished.
        expect(apiStart.git_branch).toBe(`task-${api.number}`)
        expect(uiStart.git_branch).toBe(`task-${ui.number}`)
        const span = (e: Execution) =>
          [Date.parse(e.started_at ?? ''), Date.parse(e.finished_at ?? '')] as const
        const [a0, a1] = span(apiStart)
        const [u0, u1] = span(uiStart)
        expect(a0 < u1 && u0 < a1, `api ${a0}–${a1}, ui ${u0}–${u1}`).toBe(true)

        // The review: the reviewer agent, round 1 asks for changes, round 2 approves.
        const apiReviews = await reviewsOf(server, api.id)
        expect(apiReviews.map((r) => `${r.round}:${r.author_name}:${r.verdict}`)).toEqual([
          '1:Rex:changes_requested',
          '2:Rex:approved',
        ])
        expect(apiReviews[0]).toMatchObject({
          author_kind: 'agent',
          author_id: reviewer.id,
          execution_id: apiReview.id,
          follow_up_execution_id: apiRevision.id,
        })
        expect(apiReview.agent_id).toBe(reviewer.id)
        // The reviewer read the diff; the implementer got the review as instructions.
        const reviewRequest = model.requests.find((r) => {
          const c = conversationOf(r)
          return c.mode === 'review' && c.task.includes('Bump the API')
        })
        expect(conversationOf(reviewRequest as RecordedRequest).task).toContain('-api v1\n+api v2')
        const revisionRequest = model.requests.find((r) =>
          conversationOf(r).task.includes('# Review feedback'),
        )
        expect(conversationOf(revisionRequest as RecordedRequest).task).toContain(
          'api.txt:1: Add CHANGELOG.md saying "API v2".',
        )

        // The follow-up lands on the same branch and the same pull request: one PR, two commits.
        expect(apiRevision.agent_id).toBe(backend.id)
        expect(apiRevision.git_branch).toBe(apiStart.git_branch)
        expect(apiRevision.pull_request_url).toBe(apiStart.pull_request_url)
        const pulls = await json(server, 'GET', `/api/v1/repositories/${repo.id}/pulls`, (v) =>
          (v as { items: unknown[] }).items.map((p) => PullRequest.parse(p)),
        )
        const apiPulls = pulls.filter((p) => p.head === `task-${api.number}`)
        expect(apiPulls).toHaveLength(1)
        const commits = await json(
          server,
          'GET',
          `/api/v1/repositories/${repo.id}/pulls/${apiPulls[0]?.number}/commits`,
          (v) => (v as { items: { message: string }[] }).items,
        )
        expect(commits).toHaveLength(2)
        const diff = await json(
          server,
          'GET',
          `/api/v1/repositories/${repo.id}/pulls/${apiPulls[0]?.number}/diff`,
          (v) => (v as { files: { path: string }[] }).files.map((f) => f.path).sort(),
        )
        expect(diff).toEqual(['CHANGELOG.md', 'VERSION', 'api.txt'])

        // Both branches changed VERSION: each task got a warning naming the other, before any merge.
        await squadStream.waitFor(() => squadStream.events.some((e) => e.type === 'execution.overlap'), {
          timeoutMs: 10_000,
        })
        const overlaps = (squadStream.events as StreamEvent[]).flatMap((e) =>
          e.type === 'execution.overlap' ? [e.payload] : [],
        )
        expect(overlaps.length).toBeGreaterThanOrEqual(2)
        const onApi = overlaps.find((o) => o.task_id === api.id && o.other_task_id === ui.id)
        const onUi = overlaps.find((o) => o.task_id === ui.id && o.other_task_id === api.id)
        expect(onApi?.files).toEqual(['VERSION'])
        expect(onUi?.files).toEqual(['VERSION'])
        expect(onUi?.other_task_number).toBe(api.number)

        // Everything ends in review, the parent with its subtasks.
        const board = await tasksOf(server, squad.id)
        expect(board.find((t) => t.id === parent.id)?.status).toBe('in_review')
        expect(board.find((t) => t.id === api.id)?.status).toBe('in_review')
        expect(await server.sandboxes.list()).toHaveLength(0)

        // A person's review does the same: the revision lands on the UI's pull request, then the reviewer looks again.
        const human = await server.request('POST', `/api/v1/tasks/${ui.id}/reviews`, {
          body: { verdict: 'changes_requested', body: 'Mention UI v2 in the README, please.' },
        })
        expect(human.status).toBe(201)
        const followUp = (human.json as { follow_up_execution_id: string }).follow_up_execution_id
        expect(followUp).toBeTruthy()
        await settle(server, squad.id, async () => (await reviewsOf(server, ui.id)).length === 3)
        const uiAfter = await executionsOf(server, ui.id)
        expect(uiAfter.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
          'start:succeeded',
          'review:succeeded',
          'revision:succeeded',
          'review:succeeded',
        ])
        expect(uiAfter[2]?.id).toBe(followUp)
        expect(uiAfter[2]?.pull_request_url).toBe(uiStart.pull_request_url)
        const uiReviews = await reviewsOf(server, ui.id)
        expect(uiReviews.map((r) => `${r.author_kind}:${r.verdict}`)).toEqual([
          'agent:approved',
          'user:changes_requested',
          'agent:approved',
        ])
        const humanRevision = model.requests.find((r) =>
          conversationOf(r).task.includes('Mention UI v2 in the README'),
        )
        expect(humanRevision).toBeTruthy()
      } finally {
        squadStream.abort()
      }
    }, 180_000)

    it('review rounds are bounded: with none left, changes requested wait for a person', async () => {
      const { squad, agent: scriptBot, repo } = await setupSquad(server, files)
      await json(server, 'PATCH', `/api/v1/squads/${squad.id}`, (v) => v, {
        config: { workflow: { mode: 'team', max_review_rounds: 0 } },
      })
      await json(server, 'PATCH', `/api/v1/agents/${scriptBot.id}`, (v) => v, { is_active: false })
      const backend = await createAgent(server, squad.id, model, 'Bo', 'backend')
      await createAgent(server, squad.id, model, 'Rex', 'reviewer')
      // Assigned straight to a specialist: no plan, implemented, then reviewed.
      const task = await createTask(server, squad.id, {
        title: 'Bump the API',
        description: 'api.txt to v2.',
        repository_id: repo.id,
        assignee_id: backend.id,
      })
      expect((await startTask(server, task.id)).run_reason).toBe('start')
      await settle(server, squad.id, async () => (await reviewsOf(server, task.id)).length === 1)
      const runs = await executionsOf(server, task.id)
      expect(runs.map((e) => `${e.run_reason}:${e.status}`)).toEqual(['start:succeeded', 'review:succeeded'])
      const [review] = await reviewsOf(server, task.id)
      expect(review).toMatchObject({ verdict: 'changes_requested', follow_up_execution_id: null })
      const [after] = (await tasksOf(server, squad.id)).filter((t) => t.id === task.id)
      expect(after?.status).toBe('in_review')

      // A review that fails (the reviewer's model refuses) leaves the work and its PR in review.
      const touched = await createTask(server, squad.id, {
        title: 'Touch the README',
        repository_id: repo.id,
        assignee_id: backend.id,
      })
      await startTask(server, touched.id)
      await settle(server, squad.id, async () => (await executionsOf(server, touched.id)).length === 2)
      const touchedRuns = await executionsOf(server, touched.id)
      expect(touchedRuns.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
        'start:succeeded',
        'review:failed',
      ])
      expect(touchedRuns[1]?.error).toContain('401')
      expect((await tasksOf(server, squad.id)).find((t) => t.id === touched.id)?.status).toBe('in_review')
      expect(await reviewsOf(server, touched.id)).toEqual([])
    }, 150_000)

    it('a plan can order subtasks: the one that builds on another starts when that one is merged', async () => {
      const { squad, agent: scriptBot, repo } = await setupSquad(server, files)
      await json(server, 'PATCH', `/api/v1/squads/${squad.id}`, (v) => v, {
        config: { max_concurrency: 4, workflow: { mode: 'team' } },
      })
      await json(server, 'PATCH', `/api/v1/agents/${scriptBot.id}`, (v) => v, { is_active: false })
      const lead = await createAgent(server, squad.id, model, 'Lena', 'lead')
      await createAgent(server, squad.id, model, 'Bo', 'backend')
      await createAgent(server, squad.id, model, 'Fay', 'frontend')
      await createAgent(server, squad.id, model, 'Rex', 'reviewer')
      const parent = await createTask(server, squad.id, {
        title: 'Ship in order',
        repository_id: repo.id,
        assignee_id: lead.id,
      })
      await startTask(server, parent.id)
      const subtasks = async () =>
        (await tasksOf(server, squad.id))
          .filter((t) => t.parent_task_id === parent.id)
          .sort((a, b) => a.number - b.number)
      await settle(server, squad.id, async () => {
        const [first] = await subtasks()
        return first !== undefined && (await reviewsOf(server, first.id)).at(-1)?.verdict === 'approved'
      })
      const [api, ui] = await subtasks()
      if (!api || !ui) throw new Error('no subtasks')
      // The UI waits: blocked by the API subtask, never started while its pull request is open.
      expect(ui).toMatchObject({ status: 'todo', blocked_by: [api.id] })
      expect(api.blocked_by).toEqual([])
      expect(await executionsOf(server, ui.id)).toEqual([])

      const [apiRun] = await executionsOf(server, api.id)
      const number = Number(apiRun?.pull_request_url?.split('/').at(-1))
      const merged = await server.request('POST', `/api/v1/repositories/${repo.id}/pulls/${number}/merge`, {
        body: {},
      })
      expect(merged.status, JSON.stringify(merged.json)).toBe(200)
      // The merge starts it, on a branch from the default branch that now holds the API change.
      await settle(
        server,
        squad.id,
        async () => (await reviewsOf(server, ui.id)).at(-1)?.verdict === 'approved',
      )
      const uiRuns = await executionsOf(server, ui.id)
      expect(uiRuns.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
        'start:succeeded',
        'review:succeeded',
      ])
      const uiPull = Number(uiRuns[0]?.pull_request_url?.split('/').at(-1))
      const diff = await json(server, 'GET', `/api/v1/repositories/${repo.id}/pulls/${uiPull}/diff`, (v) =>
        (v as { files: { path: string }[] }).files.map((f) => f.path),
      )
      expect(diff).toEqual(['ui.txt'])
      expect(uiRuns[0]?.base_commit).toBe((merged.json as { merge_commit: string }).merge_commit)
      const board = await tasksOf(server, squad.id)
      expect(board.find((t) => t.id === api.id)?.status).toBe('done')
      expect(board.find((t) => t.id === parent.id)?.status).toBe('in_review')
    }, 150_000)

    it('a chain hands the work on along the parent branch and ends in one pull request, reviewed as a whole', async () => {
      const { squad, agent: scriptBot, repo } = await setupSquad(server, files)
      await json(server, 'PATCH', `/api/v1/squads/${squad.id}`, (v) => v, {
        config: { max_concurrency: 4, workflow: { mode: 'team', subtasks: 'chain' } },
      })
      await json(server, 'PATCH', `/api/v1/agents/${scriptBot.id}`, (v) => v, { is_active: false })
      const lead = await createAgent(server, squad.id, model, 'Lena', 'lead')
      await createAgent(server, squad.id, model, 'Bo', 'backend')
      const frontend = await createAgent(server, squad.id, model, 'Fay', 'frontend')
      const reviewer = await createAgent(server, squad.id, model, 'Rex', 'reviewer')
      const parent = await createTask(server, squad.id, {
        title: 'Hand it on',
        repository_id: repo.id,
        assignee_id: lead.id,
      })
      await startTask(server, parent.id)
      await settle(
        server,
        squad.id,
        async () => (await reviewsOf(server, parent.id)).at(-1)?.verdict === 'approved',
      )

      const subtasks = (await tasksOf(server, squad.id))
        .filter((t) => t.parent_task_id === parent.id)
        .sort((a, b) => a.number - b.number)
      const [first, second] = subtasks
      if (!first || !second) throw new Error('no subtasks')
      expect(second.blocked_by).toEqual([first.id])
      const branch = `task-${parent.number}`
      const [firstRun] = await executionsOf(server, first.id)
      const [secondRun] = await executionsOf(server, second.id)
      // One after the other, both on the parent's branch.
      expect(firstRun).toMatchObject({ run_reason: 'start', status: 'succeeded', git_branch: branch })
      expect(secondRun).toMatchObject({ run_reason: 'start', status: 'succeeded', git_branch: branch })
      expect(Date.parse(secondRun?.started_at ?? '')).toBeGreaterThanOrEqual(
        Date.parse(firstRun?.finished_at ?? ''),
      )
      expect((await executionsOf(server, first.id)).length).toBe(1)

      // The parent is reviewed as a whole; the changes go to the last implementer, on the same branch.
      const parentRuns = await executionsOf(server, parent.id)
      expect(parentRuns.map((e) => `${e.run_reason}:${e.status}`)).toEqual([
        'plan:succeeded',
        'review:succeeded',
        'revision:succeeded',
        'review:succeeded',
      ])
      expect(parentRuns[1]?.agent_id).toBe(reviewer.id)
      expect(parentRuns[2]).toMatchObject({ agent_id: frontend.id, git_branch: branch })
      const reviews = await reviewsOf(server, parent.id)
      expect(reviews.map((r) => r.verdict)).toEqual(['changes_requested', 'approved'])
      expect(reviews[0]?.pull_request_url).toBe(firstRun?.pull_request_url)

      // One pull request, the parent's: every link's commit and the revision's.
      const pulls = await json(server, 'GET', `/api/v1/repositories/${repo.id}/pulls`, (v) =>
        (v as { items: unknown[] }).items.map((p) => PullRequest.parse(p)),
      )
      expect(pulls.map((p) => `${p.head}:${p.task_id}`)).toEqual([`${branch}:${parent.id}`])
      expect(pulls[0]?.title.toLowerCase()).toContain('hand it on')
      const commits = await json(
        server,
        'GET',
        `/api/v1/repositories/${repo.id}/pulls/${pulls[0]?.number}/commits`,
        (v) => (v as { items: { message: string }[] }).items,
      )
      expect(commits).toHaveLength(3)
      const diff = await json(
        server,
        'GET',
        `/api/v1/repositories/${repo.id}/pulls/${pulls[0]?.number}/diff`,
        (v) => (v as { files: { path: string; additions: number }[] }).files.map((f) => f.path).sort(),
      )
      expect(diff).toEqual(['NOTES.md', 'handler.txt', 'page.txt'])
      const board = await tasksOf(server, squad.id)
      expect(board.find((t) => t.id === first.id)?.status).toBe('done')
      expect(board.find((t) => t.id === second.id)?.status).toBe('done')
      expect(board.find((t) => t.id === parent.id)?.status).toBe('in_review')
    }, 150_000)
  },
)
