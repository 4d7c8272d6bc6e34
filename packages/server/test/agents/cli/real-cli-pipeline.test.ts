import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pinnedCli } from '../../../src/agents/toolchain/cli-versions.ts'
import { testDbKind } from '../../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../../helpers/test-server.ts'
import { createTask, startTask, waitForExecution } from '../../pipeline/pipeline-fixture.ts'
import { startFakeAnthropic } from '../fakes/anthropic-messages-server.ts'
import { startFakeGemini } from '../fakes/gemini-server.ts'
import { startFakeOpenAI } from '../fakes/openai-chat-server.ts'
import { startFakeOpenAIResponses } from '../fakes/openai-responses-server.ts'
import type { FakeModelServer } from '../fakes/scripted-model.ts'
import { statelessScript, type WriteSpec } from '../fakes/stateless-script.ts'
import {
  cliPipelineSkip,
  downloadLog,
  eventsOf,
  pullsOf,
  readBranch,
  setupCliSquad,
} from './cli-pipeline-fixture.ts'
import { realCliSkip, testToolchainDir } from './real-clis.ts'

const realKey = (name: string) => `sk-real-${name}-${randomBytes(12).toString('hex')}`
const keys = {
  ANTHROPIC_API_KEY: realKey('anthropic'),
  OPENAI_API_KEY: realKey('openai'),
  GEMINI_API_KEY: realKey('gemini'),
}
const write: WriteSpec = {
  dir: '/workspace',
  file: 'hello.txt',
  content: 'hello from the fake model\n',
  summary: 'Wrote hello.txt as asked.',
}

type Case = {
  provider: string
  model: string
  fake: () => FakeModelServer
  /** The base URL as this CLI takes it: an origin, or OpenAI's `…/v1`. */
  base: (fake: FakeModelServer) => string
  key: keyof typeof keys
  /** The conversation without usage (the proxy's usage events interleave with it), in order. */
  conversation: string[]
  /** A lookup of its own the CLI makes whatever it is told, which the sandbox refuses (it goes on). */
  refusedLookup?: string
}

let fakes: Record<'anthropic' | 'responses' | 'chat' | 'gemini', FakeModelServer>
const cases: Case[] = [
  {
    provider: 'claude-code',
    model: 'claude-sonnet-4-5',
    fake: () => fakes.anthropic,
    base: (f) => f.origin,
    key: 'ANTHROPIC_API_KEY',
    conversation: ['tool started: Write', 'tool succeeded: Write', 'message'],
  },
  {
    provider: 'codex',
    model: 'gpt-5',
    fake: () => fakes.responses,
    base: (f) => f.url,
    key: 'OPENAI_API_KEY',
    conversation: ['tool started: command_execution', 'tool succeeded: command_execution', 'message'],
  },
  {
    provider: 'opencode',
    model: 'openai/gpt-5',
    fake: () => fakes.chat,
    base: (f) => f.url,
    key: 'OPENAI_API_KEY',
    // OpenCode offers GPT models `apply_patch` instead of `write`.
    conversation: ['tool succeeded: apply_patch', 'message'],
    // It installs its plugin SDK (@opencode-ai/plugin) into its config folder at every fresh start,
    // with no setting to stop it (1.18.33); refused, it carries on without.
    refusedLookup: 'registry.npmjs.org:443',
  },
  {
    provider: 'gemini-cli',
    model: 'gemini-2.5-flash',
    fake: () => fakes.gemini,
    base: (f) => f.origin,
    key: 'GEMINI_API_KEY',
    conversation: ['tool started: write_file', 'tool succeeded: write_file', 'message'],
  },
]

const brief = (e: { type: string; payload: unknown }) => {
  const p = e.payload as { status?: string; tool?: string }
  return e.type === 'agent.tool_call' ? `tool ${p.status}: ${p.tool}` : e.type.replace('agent.', '')
}

/**
 * Each real agent CLI, at its pinned version from the toolchain folder, through the whole pipeline
 * in a bubblewrap sandbox, against the fake model server of its protocol behind the model proxy.
 * PostgreSQL only: nothing here depends on the database, and each CLI costs seconds (OpenCode 15–60).
 */
describe.skipIf(cliPipelineSkip ?? (testDbKind === 'pglite' ? 'real CLIs run on PostgreSQL only' : null))(
  'the real agent CLIs through the pipeline',
  () => {
    let server: TestServer
    let admin: string
    const previous: Record<string, string | undefined> = {}

    beforeAll(async () => {
      for (const [name, value] of Object.entries(keys)) {
        previous[name] = process.env[name]
        process.env[name] = value
      }
      fakes = {
        anthropic: await startFakeAnthropic(),
        responses: await startFakeOpenAIResponses(),
        chat: await startFakeOpenAI(),
        gemini: await startFakeGemini(),
      }
      server = await startTestServer({
        auth: 'token',
        env: { SQUAD_WORKER: 'true', SQUAD_TOOLCHAIN_DIR: testToolchainDir },
        engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
      })
      if (!server.bootstrapToken) throw new Error('token auth gave no bootstrap token')
      admin = server.bootstrapToken
    })
    afterAll(async () => {
      await server?.stop()
      for (const fake of Object.values(fakes ?? {})) await fake.close()
      for (const [name, value] of Object.entries(previous))
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
    })

    /** One task for a fresh squad whose agent runs `c`'s CLI, run to its end. */
    async function runTask(c: Case, spec: WriteSpec) {
      const fake = c.fake()
      fake.setScript(statelessScript(spec))
      const { squad, agent, repo } = await setupCliSquad(server, admin, {
        llm_provider: c.provider,
        llm_model: c.model,
        config: { base_url: c.base(fake) },
      })
      const task = await createTask(
        server,
        squad.id,
        { title: 'Write hello.txt', repository_id: repo.id, assignee_id: agent.id },
        { token: admin },
      )
      const done = await waitForExecution(server, (await startTask(server, task.id, { token: admin })).id, {
        token: admin,
        timeoutMs: 200_000,
      })
      return { done, repo, task, fake, log: await downloadLog(server, done.id, admin) }
    }

    for (const c of cases) {
      const cli = pinnedCli(c.provider)
      it.skipIf(realCliSkip(c.provider))(
        `${cli?.displayName} ${cli?.version}: a PR with its file, its conversation in order, its usage counted by the proxy`,
        async () => {
          const { done, repo, task, fake, log } = await runTask(c, write)
          expect(done.status, `${done.error}\n${log}`).toBe('succeeded')
          // The toolchain's binary ran (read-only in the sandbox), with the key on the host only.
          expect(log).toContain(`$ ${testToolchainDir}/agents/${c.provider}/${cli?.version}/`)
          const branch = await readBranch(repo, `task-${task.number}`, admin, ['hello.txt'])
          expect(branch.files['hello.txt']).toBe(write.content)
          expect(branch.tracked.filter((path) => !path.startsWith('.agent-bin/'))).toEqual([
            'README.md',
            'hello.txt',
          ])
          const pulls = await pullsOf(server, repo.id, admin)
          expect(pulls).toHaveLength(1)
          expect(pulls[0]?.body).toContain(write.summary)

          const conversation = (await eventsOf(server, done.id)).filter((e) => e.type.startsWith('agent.'))
          expect(conversation.map(brief).filter((k) => k !== 'usage')).toEqual(c.conversation)
          const step = done.steps.find((s) => s.name === 'agent')
          const usage = (step?.result as { usage?: Record<string, number> } | null)?.usage
          // Two model calls at least (the write, the final message): 120 + 140 tokens in, 30 + 12 out.
          expect(usage?.steps).toBeGreaterThanOrEqual(2)
          expect(usage?.input_tokens).toBeGreaterThanOrEqual(260)
          expect(usage?.output_tokens).toBeGreaterThanOrEqual(42)
          expect(conversation.filter((e) => e.type === 'agent.usage')).toHaveLength(usage?.steps ?? -1)
          // The fake provider got the real key, added by the proxy; the sandbox had a stand-in.
          const sent = JSON.stringify(fake.requests.map((r) => r.headers))
          expect(sent).toContain(keys[c.key])
          expect(log).not.toContain(keys[c.key])
          // No lookups of its own (updates, telemetry, plugins): the sandbox's proxy refused none.
          const refused = [...log.matchAll(/Blocked connection to (\S+):/g)].map((m) => m[1])
          expect(new Set(refused)).toEqual(new Set(c.refusedLookup ? [c.refusedLookup] : []))
        },
        240_000,
      )
    }

    it.skipIf(realCliSkip('claude-code'))(
      'Claude Code: a tool it refuses ends the run failed, with a warning naming the tool',
      async () => {
        const [claude] = cases as [Case]
        const { done, repo } = await runTask(claude, {
          ...write,
          call: { name: 'WebFetch', args: { url: 'https://example.com', prompt: 'read it' } },
        })
        expect(done.status).toBe('failed')
        expect(done.error).toContain(
          'Claude Code refused 1 tool call(s), so the task may be undone: WebFetch',
        )
        const warnings = (await eventsOf(server, done.id)).filter((e) => e.type === 'execution.warning')
        expect(warnings.map((e) => e.payload)).toContainEqual({
          kind: 'agent',
          message: expect.stringContaining('refused 1 tool call(s)'),
        })
        expect(await pullsOf(server, repo.id, admin)).toHaveLength(0)
      },
      240_000,
    )

    it.skipIf(realCliSkip('claude-code'))(
      'Claude Code: a model stream that breaks off ends the run failed, in its own words',
      async () => {
        const [claude] = cases as [Case]
        const { done, log } = await runTask(claude, { ...write, breakStream: true })
        expect(done.status, log).toBe('failed')
        expect(done.error).toMatch(
          /^Claude Code exited with code 1: API Error: API returned an empty or malformed response/,
        )
      },
      240_000,
    )
  },
)
