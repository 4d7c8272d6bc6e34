import { randomBytes } from 'node:crypto'
import { Agent, type StreamEvent } from '@agent-squad/contract'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { secrets } from '../../src/db/schema.ts'
import { formsOf } from '../../src/secrets/redactor.ts'
import { openSse } from '../helpers/sse-client.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createTask, logOf, setupSquad, startTask, waitForExecution } from '../pipeline/pipeline-fixture.ts'
import { hasBwrap } from './agent-harness.ts'
import { startFakeOpenAI } from './fakes/openai-chat-server.ts'
import type { FakeModelServer, FakeTurn } from './fakes/scripted-model.ts'

const skip = skipReason ?? (hasBwrap ? null : 'bubblewrap is not installed (apt-get install bubblewrap)')

const SERVER_KEY = 'sk-server-environment-key-000111'
const STORED_KEY = 'sk-stored-squad-secret-key-222333'
const TEAM_KEY = 'sk-team-key-from-a-secret-444555'
const OTHER_TOKEN = 'ghp_unrelated-squad-token-666777'

const files = { 'README.md': '# Demo\n' }

/** Every place `secret` shows up in `text`, in any form the redactor knows (plain, URL, base64). */
const leaks = (text: string, secret: string) => formsOf(secret).filter((form) => text.includes(form))

/**
 * A model that tries to leak what it is given: it echoes the secrets in its text and in a command
 * (as if a prompt injection had taught them to it), looks for them in the sandbox's environment,
 * then finishes.
 */
const leakyTurns = (...values: string[]): FakeTurn[] => [
  {
    text: `Keys I know: ${values.join(' ')}`,
    toolCalls: [
      {
        id: 'c1',
        name: 'run',
        args: { command: `echo ${values.join(' ')}; env | grep -c -e sk- -e ghp_ || true` },
      },
    ],
  },
  {
    text: 'Done.',
    toolCalls: [{ id: 'c2', name: 'finish', args: { summary: `Used ${values[0]}`, commit_type: 'chore' } }],
  },
]

describe.skipIf(skip)('built-in agent with keys from stored secrets (fake OpenAI over HTTP)', () => {
  let server: TestServer
  let openai: FakeModelServer

  beforeAll(async () => {
    openai = await startFakeOpenAI()
    server = await startTestServer({
      env: {
        SQUAD_WORKER: 'true',
        SQUAD_KEEP_FAILED_SANDBOX_MINUTES: '0',
        SQUAD_SECRET_KEY: randomBytes(32).toString('base64'),
        OPENAI_API_KEY: SERVER_KEY,
      },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
  })
  afterAll(async () => {
    await server?.stop()
    await openai?.close()
  })

  async function runAgent(options: {
    config?: Record<string, unknown>
    secrets?: Record<string, string>
    script: FakeTurn[]
  }) {
    const { squad, repo } = await setupSquad(server, files)
    for (const [name, value] of Object.entries(options.secrets ?? {})) {
      const res = await server.request('PUT', `/api/v1/squads/${squad.id}/secrets/${name}`, {
        body: { value },
      })
      expect(res.status, JSON.stringify(res.json)).toBe(201)
    }
    const res = await server.request('POST', `/api/v1/squads/${squad.id}/agents`, {
      body: {
        name: 'Builder',
        role: 'backend',
        llm_provider: 'openai',
        llm_model: 'gpt-test',
        config: { base_url: openai.url, ...options.config },
      },
    })
    const agent = Agent.parse(res.json)
    openai.setScript(options.script)
    const task = await createTask(server, squad.id, {
      title: 'Use the key',
      repository_id: repo.id,
      assignee_id: agent.id,
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    const log = await logOf(server, done.id)
    const client = await openSse(`${server.url}/api/v1/sse/executions/${done.id}`)
    try {
      await client.waitFor(
        () => client.events.some((e) => e.type === 'execution.updated' && e.payload.status === done.status),
        { timeoutMs: 20_000 },
      )
    } finally {
      client.abort()
    }
    const events: StreamEvent[] = [...client.events]
    return {
      squad,
      done,
      log,
      events,
      everything: `${JSON.stringify(done)}\n${JSON.stringify(events)}\n${log}`,
    }
  }

  it("a squad's OPENAI_API_KEY secret wins over the server's; every secret of the squad is redacted", async () => {
    const { done, log, everything } = await runAgent({
      secrets: { OPENAI_API_KEY: STORED_KEY, GITHUB_TOKEN: OTHER_TOKEN },
      script: leakyTurns(STORED_KEY, OTHER_TOKEN, SERVER_KEY),
    })
    expect(['succeeded', 'no_changes'], `${done.error}\n${log}`).toContain(done.status)
    expect(openai.requests).toHaveLength(2)
    for (const request of openai.requests) expect(request.headers.authorization).toBe(`Bearer ${STORED_KEY}`)
    // What the model said and ran reached the log and the events, with every key masked.
    expect(log).toContain('$ echo *** *** ***')
    expect(everything).toContain('Keys I know: *** *** ***')
    for (const secret of [STORED_KEY, OTHER_TOKEN, SERVER_KEY])
      expect(leaks(everything, secret), secret).toEqual([])
    // Nothing leaked into the sandbox's environment: the command found no key there.
    expect(log).toMatch(/\*\*\* \*\*\* \*\*\*\n0\n/)
    // The command's output the model got back was redacted as well (its own words it may see again).
    const messages = openai.requests[1]?.body.messages as { role: string; content: unknown }[]
    const toolResults = JSON.stringify(messages.filter((m) => m.role === 'tool'))
    expect(toolResults).toContain('***')
    for (const secret of [STORED_KEY, OTHER_TOKEN, SERVER_KEY]) expect(leaks(toolResults, secret)).toEqual([])
  })

  it("config.api_key_env may name a squad secret; a squad without it does not get the server's", async () => {
    const ok = await runAgent({
      config: { api_key_env: 'TEAM_KEY' },
      secrets: { TEAM_KEY: TEAM_KEY },
      script: leakyTurns(TEAM_KEY),
    })
    expect(['succeeded', 'no_changes'], `${ok.done.error}\n${ok.log}`).toContain(ok.done.status)
    expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${TEAM_KEY}`)
    expect(leaks(ok.everything, TEAM_KEY)).toEqual([])

    const missing = await runAgent({ config: { api_key_env: 'TEAM_KEY' }, script: leakyTurns('x') })
    expect(missing.done.status).toBe('failed')
    expect(missing.done.error).toMatch(
      /config\.api_key_env names TEAM_KEY, but neither the squad's secrets nor the server's environment has it/,
    )
    expect(openai.requests).toHaveLength(0)
  })

  it("without a stored key the server's environment still serves; its own credentials never do", async () => {
    const fallback = await runAgent({ script: leakyTurns(SERVER_KEY) })
    expect(['succeeded', 'no_changes'], `${fallback.done.error}\n${fallback.log}`).toContain(
      fallback.done.status,
    )
    expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${SERVER_KEY}`)

    const stolen = await runAgent({ config: { api_key_env: 'SQUAD_SECRET_KEY' }, script: leakyTurns('x') })
    expect(stolen.done.status).toBe('failed')
    expect(stolen.done.error).toMatch(/names SQUAD_SECRET_KEY, a credential of the server itself/)
    expect(openai.requests).toHaveLength(0)
  })

  it('a stored key that no longer decrypts fails the run naming the secret, without a crash', async () => {
    const { squad, repo } = await setupSquad(server, files)
    await server.request('PUT', `/api/v1/squads/${squad.id}/secrets/OPENAI_API_KEY`, {
      body: { value: STORED_KEY },
    })
    const [row] = await server.db.database.db
      .select()
      .from(secrets)
      .where(and(eq(secrets.squadId, squad.id), eq(secrets.name, 'OPENAI_API_KEY')))
    const bytes = Buffer.from(row?.ciphertext ?? '', 'base64')
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff
    await server.db.database.db
      .update(secrets)
      .set({ ciphertext: bytes.toString('base64') })
      .where(eq(secrets.squadId, squad.id))
    const agent = Agent.parse(
      (
        await server.request('POST', `/api/v1/squads/${squad.id}/agents`, {
          body: {
            name: 'B',
            role: 'backend',
            llm_provider: 'openai',
            llm_model: 'gpt-test',
            config: { base_url: openai.url },
          },
        })
      ).json,
    )
    openai.setScript(leakyTurns('x'))
    const task = await createTask(server, squad.id, {
      title: 'Tampered',
      repository_id: repo.id,
      assignee_id: agent.id,
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(
      /The squad's secret OPENAI_API_KEY cannot be used: .*cannot be decrypted.*Store it again/,
    )
    expect(openai.requests).toHaveLength(0)
    expect(await server.sandboxes.list()).toHaveLength(0)
  })
})
