import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, type StreamEvent } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConventionalCommit } from '../../src/git/conventional-commit.ts'
import { openSse } from '../helpers/sse-client.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import {
  createTask,
  git,
  logOf,
  setupSquad,
  startTask,
  waitForExecution,
} from '../pipeline/pipeline-fixture.ts'
import { hasBwrap } from './agent-harness.ts'
import { startFakeAnthropic } from './fakes/anthropic-messages-server.ts'
import { startFakeOpenAI } from './fakes/openai-chat-server.ts'
import type { FakeModelServer, FakeTurn } from './fakes/scripted-model.ts'

const skip = skipReason ?? (hasBwrap ? null : 'bubblewrap is not installed (apt-get install bubblewrap)')

const MODEL_KEY = 'sk-pipeline-model-key-0123456789'
const ANTHROPIC_KEY = 'sk-ant-pipeline-key-0123456789'
// The agent's config.api_key_env names this variable; the server reads it from its environment.
process.env.SQUAD_TEST_MODEL_KEY = MODEL_KEY

const files = {
  'README.md': '# Demo\n',
  'greet.txt': 'hello world\n',
  'test.sh': 'grep -q goodbye greet.txt && echo "1 passed" || { echo "greeting is wrong" >&2; exit 1; }\n',
  'AGENTS.md': 'Run `sh test.sh` before you finish.\n',
}

const workTurns = (finish: Record<string, unknown>): FakeTurn[] => [
  { text: 'Reading the greeting.', toolCalls: [{ id: 'c1', name: 'read', args: { path: 'greet.txt' } }] },
  {
    reasoning: 'The test wants goodbye.',
    toolCalls: [
      { id: 'c2', name: 'edit', args: { path: 'greet.txt', old_string: 'hello', new_string: 'goodbye' } },
    ],
  },
  {
    toolCalls: [{ id: 'c3', name: 'run', args: { command: 'sh test.sh; env | grep -c MODEL_KEY || true' } }],
  },
  { text: 'Done: the test passes.', toolCalls: [{ id: 'c4', name: 'finish', args: finish }] },
]

async function createAgent(server: TestServer, squadId: string, body: Record<string, unknown>) {
  const res = await server.request('POST', `/api/v1/squads/${squadId}/agents`, {
    body: { name: 'Builder', role: 'backend', ...body },
  })
  if (res.status !== 201) throw new Error(`create agent: ${res.status} ${JSON.stringify(res.json)}`)
  return Agent.parse(res.json)
}

/** Every event of an execution's stream, replayed from the start (or after `lastEventId`) until `until` holds. */
async function streamOf(
  server: TestServer,
  executionId: string,
  until: (events: StreamEvent[]) => boolean,
  lastEventId?: number,
) {
  const client = await openSse(
    `${server.url}/api/v1/sse/executions/${executionId}`,
    lastEventId === undefined ? {} : { lastEventId },
  )
  try {
    await client.waitFor(() => until(client.events), { timeoutMs: 20_000 })
    return [...client.events]
  } finally {
    client.abort()
  }
}

describe.skipIf(skip)('built-in agent in the pipeline (fake model servers over HTTP)', () => {
  let server: TestServer
  let openai: FakeModelServer
  let anthropic: FakeModelServer
  beforeAll(async () => {
    openai = await startFakeOpenAI()
    anthropic = await startFakeAnthropic()
    server = await startTestServer({
      env: {
        SQUAD_WORKER: 'true',
        SQUAD_KEEP_FAILED_SANDBOX_MINUTES: '0',
        ANTHROPIC_BASE_URL: anthropic.origin,
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
  })
  afterAll(async () => {
    await server?.stop()
    await openai?.close()
    await anthropic?.close()
  })

  it('an openai-compatible agent reads, edits, tests and finishes: a Conventional Commit and a pull request', async () => {
    const { squad, repo } = await setupSquad(server, files)
    const agent = await createAgent(server, squad.id, {
      llm_provider: 'openai-compatible',
      llm_model: 'qwen-coder',
      config: { base_url: openai.url, api_key_env: 'SQUAD_TEST_MODEL_KEY' },
    })
    openai.setScript(
      workTurns({
        summary: 'The greeting now says goodbye; sh test.sh passes.',
        commit_type: 'fix',
        commit_scope: 'greeting',
        commit_subject: 'say goodbye instead of hello',
      }),
    )
    const task = await createTask(server, squad.id, {
      title: 'Fix the greeting',
      description: 'It should say goodbye.',
      labels: ['bug'],
      repository_id: repo.id,
      assignee_id: agent.id,
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    const log = await logOf(server, done.id)
    expect(done.status, `${done.error}\n${log}`).toBe('succeeded')

    // The commit: type and scope from finish, the summary as its body.
    const parsed = parseConventionalCommit(done.commit_history[0]?.message ?? '')
    expect(parsed).toMatchObject({
      type: 'fix',
      scope: 'greeting',
      subject: 'say goodbye instead of hello',
      footers: { Refs: `task-${task.number}` },
    })
    expect('body' in parsed && parsed.body).toContain('sh test.sh passes')
    expect(done.pull_request_url).toBeTruthy()
    const clone = mkdtempSync(join(tmpdir(), 'squad-verify-'))
    try {
      await git(clone, ['clone', '-q', '--branch', `task-${task.number}`, repo.clone_url ?? '', '.'])
      expect(readFileSync(join(clone, 'greet.txt'), 'utf8')).toBe('goodbye world\n')
    } finally {
      rmSync(clone, { recursive: true, force: true })
    }

    // The model: the system prompt carries the role, the repository's AGENTS.md; the task comes first.
    expect(openai.requests).toHaveLength(4)
    expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${MODEL_KEY}`)
    const first = openai.requests[0]?.body.messages as { role: string; content: string }[]
    expect(first[0]?.role).toBe('system')
    expect(first[0]?.content).toContain('backend engineer')
    expect(first[0]?.content).toContain('Run `sh test.sh` before you finish.')
    expect(first[1]?.content).toContain(`Task #${task.number}: Fix the greeting`)
    expect(first[1]?.content).toContain('Labels: bug')

    // Tokens in the agent step's result.
    const agentStep = done.steps.find((s) => s.name === 'agent')
    expect(agentStep?.result).toMatchObject({
      kind: 'builtin',
      usage: { model: 'openai-compatible/qwen-coder', steps: 4, input_tokens: 400, output_tokens: 80 },
    })

    // The conversation is in the event log and replays over SSE, in order, after a reconnect too.
    const finished = (events: StreamEvent[]) =>
      events.some((e) => e.type === 'execution.updated' && e.payload.status === 'succeeded')
    const events = await streamOf(server, done.id, finished)
    const conversation = events.filter((e) => e.type.startsWith('agent.'))
    expect(conversation.filter((e) => e.type === 'agent.usage')).toHaveLength(4)
    expect(conversation.some((e) => e.type === 'agent.reasoning' && e.payload.text.includes('goodbye'))).toBe(
      true,
    )
    const calls = conversation.flatMap((e) =>
      e.type === 'agent.tool_call' ? [`${e.payload.tool}:${e.payload.status}`] : [],
    )
    expect(calls).toEqual([
      'read:started',
      'read:succeeded',
      'edit:started',
      'edit:succeeded',
      'run:started',
      'run:succeeded',
      'finish:started',
      'finish:succeeded',
    ])
    const run = conversation.find(
      (e) => e.type === 'agent.tool_call' && e.payload.tool === 'run' && e.payload.status === 'succeeded',
    )
    expect(run?.type === 'agent.tool_call' && run.payload.output).toMatch(/1 passed\n0/)
    const messages = conversation.flatMap((e) => (e.type === 'agent.message' ? [e.payload.text] : []))
    expect(messages.join('')).toContain('Reading the greeting.')
    const middle = events[Math.floor(events.length / 2)]?.id ?? 0
    const replayed = await streamOf(server, done.id, finished, middle)
    expect(replayed.map((e) => e.id)).toEqual(events.filter((e) => e.id > middle).map((e) => e.id))

    // The key: sent to the model, never in the sandbox, the log or the events.
    expect(JSON.stringify(events)).not.toContain(MODEL_KEY)
    expect(log).not.toContain(MODEL_KEY)
    expect(log).toContain('$ sh test.sh')
    expect(await server.sandboxes.list()).toHaveLength(0)
  })

  it('an anthropic agent works through ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY', async () => {
    const { squad, repo } = await setupSquad(server, files)
    const agent = await createAgent(server, squad.id, {
      llm_provider: 'anthropic',
      llm_model: 'claude-sonnet-4-5',
    })
    anthropic.setScript(
      workTurns({ summary: 'Says goodbye now.', commit_type: 'feat', commit_scope: 'greet' }),
    )
    const task = await createTask(server, squad.id, {
      title: 'Say goodbye',
      repository_id: repo.id,
      assignee_id: agent.id,
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(done.status, `${done.error}\n${await logOf(server, done.id)}`).toBe('succeeded')
    expect(parseConventionalCommit(done.commit_history[0]?.message ?? '')).toMatchObject({
      type: 'feat',
      scope: 'greet',
      subject: 'say goodbye',
    })
    expect(anthropic.requests).toHaveLength(4)
    expect(anthropic.requests[0]?.headers['x-api-key']).toBe(ANTHROPIC_KEY)
    const usage = done.steps.find((s) => s.name === 'agent')?.result?.usage as { cost_usd: number }
    expect(usage.cost_usd).toBeGreaterThan(0)
    expect(done.pull_request_url).toBeTruthy()
  })

  it('a limit stops the run: the execution fails with a clear message and the sandbox is cleaned', async () => {
    const { squad, repo } = await setupSquad(server, files)
    const agent = await createAgent(server, squad.id, {
      llm_provider: 'openai-compatible',
      llm_model: 'looper',
      config: { base_url: openai.url, max_steps: 3 },
    })
    openai.setScript(() => ({ text: 'Looking around.', toolCalls: [{ name: 'list', args: {} }] }))
    const task = await createTask(server, squad.id, {
      title: 'Loop',
      repository_id: repo.id,
      assignee_id: agent.id,
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(/^Step limit reached: the agent made 3 model calls without calling finish/)
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ['provision', 'succeeded'],
      ['clone', 'succeeded'],
      ['branch', 'succeeded'],
      ['agent', 'failed'],
      ['commit', 'pending'],
      ['push', 'pending'],
      ['pull_request', 'pending'],
      ['cleanup', 'succeeded'],
    ])
    expect(await server.sandboxes.list()).toHaveLength(0)
    const log = await logOf(server, done.id)
    expect(log).toContain('Step limit reached')
  })

  it('a model that keeps failing fails the agent step with what the provider said', async () => {
    const { squad, repo } = await setupSquad(server, files)
    const agent = await createAgent(server, squad.id, {
      llm_provider: 'anthropic',
      llm_model: 'claude-sonnet-4-5',
      config: { api_key_env: 'SQUAD_TEST_MODEL_KEY' },
    })
    anthropic.setScript(() => ({
      error: {
        status: 401,
        body: {
          type: 'error',
          error: { type: 'authentication_error', message: `invalid x-api-key ${MODEL_KEY}` },
        },
      },
    }))
    const task = await createTask(server, squad.id, {
      title: 'Nope',
      repository_id: repo.id,
      assignee_id: agent.id,
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(
      /anthropic\/claude-sonnet-4-5 refused the API key \(401\): invalid x-api-key \*\*\*/,
    )
    expect(done.error).not.toContain(MODEL_KEY)
    expect(anthropic.requests).toHaveLength(1)
    expect(await server.sandboxes.list()).toHaveLength(0)
  })
})

describe.skipIf(skip)('built-in agent in the pipeline: the wall-time limit', () => {
  let server: TestServer
  let openai: FakeModelServer
  beforeAll(async () => {
    openai = await startFakeOpenAI(() => ({ hang: true }))
    server = await startTestServer({
      env: { SQUAD_WORKER: 'true', SQUAD_KEEP_FAILED_SANDBOX_MINUTES: '0' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20, agentTimeoutMs: 2000 },
    })
  })
  afterAll(async () => {
    await server?.stop()
    await openai?.close()
  })

  it('stops an agent whose model never answers when its time is up', async () => {
    const { squad, repo } = await setupSquad(server, files)
    const agent = await createAgent(server, squad.id, {
      llm_provider: 'openai-compatible',
      llm_model: 'sleepy',
      config: { base_url: openai.url },
    })
    const task = await createTask(server, squad.id, {
      title: 'Wait',
      repository_id: repo.id,
      assignee_id: agent.id,
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(/^Time limit reached: the agent did not finish within 2 s/)
    expect(done.steps.find((s) => s.name === 'cleanup')?.status).toBe('succeeded')
    expect(await server.sandboxes.list()).toHaveLength(0)
  })
})
