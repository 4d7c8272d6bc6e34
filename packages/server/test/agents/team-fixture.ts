import { Agent, Execution, Review, Task } from '@agent-squad/contract'
import { afterAll, beforeAll } from 'vitest'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { setupSquad } from '../pipeline/pipeline-fixture.ts'
import { hasBwrap } from './agent-harness.ts'
import { startFakeOpenAI } from './fakes/openai-chat-server.ts'
import type { FakeModelServer, FakeTurn, RecordedRequest } from './fakes/scripted-model.ts'

/**
 * The team-workflow tests' squad: one fake OpenAI-compatible model answering every agent by the
 * conversation's mode, task and turn, and the API helpers the tests read the squad with.
 */
export const skip =
  skipReason ?? (hasBwrap ? null : 'bubblewrap is not installed (apt-get install bubblewrap)')

export const files = {
  'README.md': '# Shop\n',
  'api.txt': 'api v1\n',
  'ui.txt': 'ui v1\n',
  VERSION: 'version 1\n',
}

export type Message = { role: string; content: unknown }
export const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : JSON.stringify(content)

/** Who is talking and how far along: the system prompt's mode, the task line, the turns so far. */
export function conversationOf(request: RecordedRequest) {
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

export const call = (name: string, args: Record<string, unknown>): FakeTurn => ({
  toolCalls: [{ id: `${name}-${Math.random().toString(36).slice(2, 8)}`, name, args }],
})
export const finish = (summary: string): FakeTurn =>
  call('finish', { summary, commit_type: 'feat', commit_scope: null, commit_subject: null })

/**
 * The squad's model, one fake OpenAI-compatible server for every agent: each request is answered
 * from its conversation (mode, task, turn), so the lead, two specialists and the reviewer can talk
 * to it at the same time.
 */
export function squadScript(request: RecordedRequest): FakeTurn {
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
  // A reviewer that quotes the key it was sent: what is stored must not hold it.
  if (mode === 'review' && task.includes('Quote the key'))
    return call('submit_review', {
      verdict: 'changes_requested',
      body: `Saw ${String(request.headers.authorization)} in my request.`,
      comments: [{ path: 'README.md', line: 1, body: `${String(request.headers.authorization)}` }],
    })
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
  if (task.includes('Quote the key'))
    return [call('write', { path: 'README.md', content: '# Quoted\n' }), finish('Quoted.')][turn] as FakeTurn
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

export async function json<T>(
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
export const executionsOf = (server: TestServer, taskId: string) =>
  json(server, 'GET', `/api/v1/tasks/${taskId}/executions`, (v) =>
    (v as { items: unknown[] }).items.map((e) => Execution.parse(e)).reverse(),
  )
export const reviewsOf = (server: TestServer, taskId: string) =>
  json(server, 'GET', `/api/v1/tasks/${taskId}/reviews`, (v) =>
    (v as { items: unknown[] }).items.map((r) => Review.parse(r)),
  )
export const tasksOf = (server: TestServer, squadId: string) =>
  json(server, 'GET', `/api/v1/squads/${squadId}/tasks?limit=100`, (v) =>
    (v as { items: unknown[] }).items.map((t) => Task.parse(t)),
  )

/** Polls until every execution of the squad's tasks has ended and `until` holds. */
export async function settle(
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

export async function createAgent(
  server: TestServer,
  squadId: string,
  model: FakeModelServer,
  name: string,
  role: string,
  config: Record<string, unknown> = {},
) {
  return json(server, 'POST', `/api/v1/squads/${squadId}/agents`, (v) => Agent.parse(v), {
    name,
    role,
    llm_provider: 'openai-compatible',
    llm_model: 'squad-model',
    config: { base_url: model.url, ...config },
  })
}

/**
 * A squad in team mode on `files`: `config` set, the pipeline fixture's script agent stepped aside
 * (only model agents take work), and one model agent per `name: role`, all on the fake model.
 */
export async function setupTeam(
  server: TestServer,
  model: FakeModelServer,
  config: Record<string, unknown>,
  members: Record<string, string>,
) {
  const { squad, agent: scriptBot, repo } = await setupSquad(server, files)
  await json(server, 'PATCH', `/api/v1/squads/${squad.id}`, (v) => v, { config })
  await json(server, 'PATCH', `/api/v1/agents/${scriptBot.id}`, (v) => v, { is_active: false })
  const agents: Record<string, Agent> = {}
  for (const [name, role] of Object.entries(members))
    agents[name] = await createAgent(server, squad.id, model, name, role)
  const agent = (name: string) => {
    const found = agents[name]
    if (!found) throw new Error(`no agent ${name}`)
    return found
  }
  return { squad, repo, agent }
}

/** A server that runs executions, and the fake model every agent talks to. */
export function useTeamServer(): { server(): TestServer; model(): FakeModelServer } {
  let server: TestServer | undefined
  let model: FakeModelServer | undefined
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
  const need = <T>(value: T | undefined): T => {
    if (!value) throw new Error('the team server is not started')
    return value
  }
  return { server: () => need(server), model: () => need(model) }
}
