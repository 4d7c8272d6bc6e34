import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, Execution, Review, Task } from '@agent-squad/contract'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalSandboxProvider } from '../../src/sandbox/local/local-sandbox-provider.ts'
import { createTestDatabase, type TestDatabase, testDbKind } from '../helpers/test-db.ts'
import type { TestServer } from '../helpers/test-server.ts'
import { createTask, setupSquad, startTask } from '../pipeline/pipeline-fixture.ts'
import { pipelineSkip, pullsOf, sandboxFolders, sleep } from '../pipeline/pipeline-probes.ts'
import { type ServeProcess, startServeProcess } from '../pipeline/serve-process.ts'
import { startFakeOpenAI } from './fakes/openai-chat-server.ts'
import type { FakeModelServer, FakeTurn, RecordedRequest } from './fakes/scripted-model.ts'

type Message = { role: string; content: unknown }

/** Lead splits in two; each specialist writes its file; the reviewer approves. Until `crashed`, specialists hang. */
function script(state: { crashed: boolean }) {
  return (request: RecordedRequest): FakeTurn => {
    const messages = (request.body.messages ?? []) as Message[]
    const system = String(messages[0]?.content ?? '')
    const task = String(messages[1]?.content ?? '')
    const turn = messages.filter((m) => m.role === 'assistant').length
    const call = (name: string, args: unknown): FakeTurn => ({
      toolCalls: [{ id: `${name}-${turn}`, name, args }],
    })
    if (system.includes('This run is a planning run'))
      return call('split_task', {
        summary: 'Two files.',
        subtasks: [
          { title: 'Write the API file', description: 'api.txt', role: 'backend' },
          { title: 'Write the UI file', description: 'ui.txt', role: 'frontend' },
        ],
      })
    if (system.includes('This run is a review'))
      return call('submit_review', { verdict: 'approved', body: 'Fine.' })
    // The first life of each specialist's run waits here until the server is killed under it.
    if (!state.crashed) return { hang: true }
    const file = task.includes('API') ? 'api.txt' : 'ui.txt'
    if (turn === 0) return call('write', { path: file, content: `${file} after the crash\n` })
    return call('finish', { summary: `Wrote ${file}.`, commit_type: 'feat' })
  }
}

async function get<T>(api: TestServer, path: string, parse: (v: unknown) => T): Promise<T> {
  const res = await api.request('GET', path)
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.json)}`)
  return parse(res.json)
}
const items = (v: unknown) => (v as { items: unknown[] }).items

describe.skipIf(pipelineSkip)(`the team workflow survives a crash of squad serve (${testDbKind})`, () => {
  const children: ServeProcess[] = []
  let world: string | undefined
  let testDb: TestDatabase | undefined
  let model: FakeModelServer | undefined
  afterAll(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL')
    await Promise.all(children.map((c) => c.exited))
    await model?.close()
    if (world) {
      await new LocalSandboxProvider({ root: join(world, 'data', 'sandboxes', 'local') })
        .cleanupOrphans([])
        .catch(() => {})
      await rm(world, { recursive: true, force: true })
    }
    await testDb?.drop()
  })

  it('killed while both specialists work: after the restart they finish, are reviewed, and nothing is planned twice', async () => {
    const state = { crashed: false }
    model = await startFakeOpenAI(script(state))
    world = await mkdtemp(join(tmpdir(), 'squad-team-crash-'))
    testDb = testDbKind === 'postgres' ? await createTestDatabase({ migrate: false }) : undefined
    const env: Record<string, string> = {
      PORT: '0',
      HOST: '127.0.0.1',
      SQUAD_AUTH: 'none',
      SQUAD_DATA_DIR: join(world, 'data'),
      SQUAD_LOG_LEVEL: 'warn',
      SQUAD_LOG_FORMAT: 'json',
      SQUAD_LEASE_MS: '3000',
      ...(testDb?.url ? { DATABASE_URL: testDb.url } : {}),
    }
    const first = await startServeProcess({ env, cwd: world })
    children.push(first)
    const { squad, agent: scriptBot, repo } = await setupSquad(first.api, { 'README.md': '# Crash\n' })
    await first.api.request('PATCH', `/api/v1/squads/${squad.id}`, {
      body: { config: { max_concurrency: 4, workflow: { mode: 'team' } } },
    })
    await first.api.request('PATCH', `/api/v1/agents/${scriptBot.id}`, { body: { is_active: false } })
    const agent = async (name: string, role: string) =>
      Agent.parse(
        (
          await first.api.request('POST', `/api/v1/squads/${squad.id}/agents`, {
            body: {
              name,
              role,
              llm_provider: 'openai-compatible',
              llm_model: 'm',
              config: { base_url: model?.url },
            },
          })
        ).json,
      )
    const lead = await agent('Lena', 'lead')
    await agent('Bo', 'backend')
    await agent('Fay', 'frontend')
    await agent('Rex', 'reviewer')
    const parent = await createTask(first.api, squad.id, {
      title: 'Two files',
      repository_id: repo.id,
      assignee_id: lead.id,
    })
    await startTask(first.api, parent.id)

    const subtasksOf = async (api: TestServer) =>
      (
        await get(api, `/api/v1/squads/${squad.id}/tasks?limit=100`, (v) =>
          items(v).map((t) => Task.parse(t)),
        )
      )
        .filter((t) => t.parent_task_id === parent.id)
        .sort((a, b) => a.number - b.number)
    const runsOf = (api: TestServer, taskId: string) =>
      get(api, `/api/v1/tasks/${taskId}/executions`, (v) =>
        items(v)
          .map((e) => Execution.parse(e))
          .reverse(),
      )

    // Both specialists are in their agent step, each waiting on a model call that never answers.
    const deadline = Date.now() + 90_000
    for (;;) {
      if (Date.now() > deadline) throw new Error('the specialists never got to work')
      const waiting = model.requests.filter(
        (r) => !String((r.body.messages as Message[])[0]?.content).includes('This run is'),
      )
      if (waiting.length >= 2) break
      await sleep(200)
    }
    for (const sub of await subtasksOf(first.api)) {
      const [run] = await runsOf(first.api, sub.id)
      expect(run?.status).toBe('running')
    }

    first.child.kill('SIGKILL')
    expect(await first.exited).toBe('SIGKILL')
    state.crashed = true
    const second = await startServeProcess({ env, cwd: world })
    children.push(second)

    // The resumed runs finish; each is reviewed once and approved; the parent follows.
    const until = Date.now() + 120_000
    let subtasks: Task[] = []
    for (;;) {
      if (Date.now() > until) throw new Error(`not settled: ${JSON.stringify(subtasks)}`)
      subtasks = await subtasksOf(second.api)
      const reviews = await Promise.all(
        subtasks.map((t) =>
          get(second.api, `/api/v1/tasks/${t.id}/reviews`, (v) => items(v).map((r) => Review.parse(r))),
        ),
      )
      if (subtasks.length === 2 && reviews.every((r) => r.at(-1)?.verdict === 'approved')) break
      await sleep(300)
    }
    expect(subtasks.map((t) => t.title)).toEqual(['Write the API file', 'Write the UI file'])
    for (const sub of subtasks) {
      const runs = await runsOf(second.api, sub.id)
      expect(runs.map((e) => `${e.run_reason}:${e.status}`)).toEqual(['start:succeeded', 'review:succeeded'])
      const agentStep = (
        await get(
          second.api,
          `/api/v1/executions/${runs[0]?.id}`,
          (v) => v as { steps: { name: string; attempt: number }[] },
        )
      ).steps.find((s) => s.name === 'agent')
      expect(agentStep?.attempt).toBe(2)
    }
    // One plan, one pull request per subtask, the parent in review, no sandbox left.
    expect((await runsOf(second.api, parent.id)).map((e) => `${e.run_reason}:${e.status}`)).toEqual([
      'plan:succeeded',
    ])
    const pulls = await pullsOf(second.api, repo.id)
    expect(pulls.map((p) => p.head).sort()).toEqual(subtasks.map((t) => `task-${t.number}`))
    const board = await get(second.api, `/api/v1/tasks/${parent.id}`, (v) => Task.parse(v))
    expect(board.status).toBe('in_review')
    expect(await sandboxFolders(join(world, 'data'))).toEqual([])
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  }, 240_000)
})
