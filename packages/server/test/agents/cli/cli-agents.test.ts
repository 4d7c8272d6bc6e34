import { randomBytes } from 'node:crypto'
import { Task } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aider } from '../../../src/agents/runtime/cli/aider/aider.ts'
import { claudeCode } from '../../../src/agents/runtime/cli/claude-code/claude-code.ts'
import type { CliAdapter } from '../../../src/agents/runtime/cli/cli-adapter.ts'
import { codex } from '../../../src/agents/runtime/cli/codex/codex.ts'
import { geminiCli } from '../../../src/agents/runtime/cli/gemini-cli/gemini-cli.ts'
import { opencode } from '../../../src/agents/runtime/cli/opencode/opencode.ts'
import { formsOf } from '../../../src/secrets/redactor.ts'
import { startTestServer, type TestServer } from '../../helpers/test-server.ts'
import { createTask, startTask, waitForExecution } from '../../pipeline/pipeline-fixture.ts'
import {
  cliPipelineSkip,
  downloadLog,
  eventsOf,
  pullsOf,
  readBranch,
  setupCliSquad,
} from './cli-pipeline-fixture.ts'
import { parseOutput, sample } from './cli-samples.ts'

const key = (name: string) => `sk-test-${name}-${randomBytes(16).toString('hex')}`
/** The model keys in the server's environment; GEMINI_API_KEY and TEAM_OPENAI_API_KEY are not among
 * the variables the server's redactor knows at start-up, so only the agent teaches it them. */
const keys = {
  ANTHROPIC_API_KEY: key('anthropic'),
  OPENAI_API_KEY: key('openai'),
  GEMINI_API_KEY: key('gemini'),
  TEAM_OPENAI_API_KEY: key('team'),
}

type Case = {
  adapter: CliAdapter
  file: string
  agent: { llm_model?: string; config: Record<string, unknown> }
  /** The server variable the key comes from, and the names the CLI gets it under. */
  source: keyof typeof keys
  given: string[]
}

const cases: Case[] = [
  {
    adapter: claudeCode,
    file: 'claude-code.jsonl',
    agent: { config: { command: './.agent-bin/claude' } },
    source: 'ANTHROPIC_API_KEY',
    given: ['ANTHROPIC_API_KEY'],
  },
  {
    adapter: codex,
    file: 'codex.jsonl',
    agent: { config: { command: './.agent-bin/codex' } },
    source: 'OPENAI_API_KEY',
    given: ['OPENAI_API_KEY', 'CODEX_API_KEY'],
  },
  {
    adapter: opencode,
    file: 'opencode.jsonl',
    agent: { llm_model: 'anthropic/claude-sonnet-4-5', config: { command: './.agent-bin/opencode' } },
    source: 'ANTHROPIC_API_KEY',
    given: ['ANTHROPIC_API_KEY'],
  },
  {
    adapter: aider,
    file: 'aider.txt',
    agent: {
      llm_model: 'gpt-4o',
      config: { command: './.agent-bin/aider', api_key_env: 'TEAM_OPENAI_API_KEY' },
    },
    source: 'TEAM_OPENAI_API_KEY',
    given: ['OPENAI_API_KEY'],
  },
  {
    adapter: geminiCli,
    file: 'gemini-cli.jsonl',
    agent: { config: { command: './.agent-bin/gemini' } },
    source: 'GEMINI_API_KEY',
    given: ['GEMINI_API_KEY'],
  },
]

/**
 * Each agent CLI through the whole pipeline on the local (bubblewrap) sandbox and forge, with a
 * stand-in executable in the repository that checks the CLI's documented flags, edits README.md,
 * prints a recorded run in the CLI's documented output format and dumps every credential it can see.
 */
describe.skipIf(cliPipelineSkip)('agent CLIs through the pipeline', () => {
  let server: TestServer
  let admin: string
  const minted: string[] = []
  const previous: Record<string, string | undefined> = {}

  beforeAll(async () => {
    for (const [name, value] of Object.entries(keys)) {
      previous[name] = process.env[name]
      process.env[name] = value
    }
    server = await startTestServer({
      auth: 'token',
      env: { SQUAD_WORKER: 'true' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
      // Records every git token the forge hands the pipeline, to look for it where it must not be.
      forgeFor: (_repo, local) => ({
        ...local,
        async credentials(repo, purpose) {
          const credentials = await local.credentials(repo, purpose)
          if (credentials) minted.push(credentials.httpHeader.replace(/^Authorization: Bearer /, ''))
          return credentials
        },
      }),
    })
    if (!server.bootstrapToken) throw new Error('token auth gave no bootstrap token')
    admin = server.bootstrapToken
  })
  afterAll(async () => {
    await server?.stop()
    for (const [name, value] of Object.entries(previous))
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
  })

  it.each(cases)(
    '$adapter.displayName: conversation events in order, commit and PR, key for the CLI only',
    async ({ adapter, file, agent, source, given }) => {
      const {
        squad,
        agent: member,
        repo,
      } = await setupCliSquad(server, admin, {
        llm_provider: adapter.provider,
        ...agent,
      })
      const task = await createTask(
        server,
        squad.id,
        {
          title: 'Say goodbye instead of hello',
          description: 'The greeting in README.md is wrong.',
          labels: ['bug'],
          repository_id: repo.id,
          assignee_id: member.id,
        },
        { token: admin },
      )
      const mintedBefore = minted.length
      const done = await waitForExecution(server, (await startTask(server, task.id, { token: admin })).id, {
        token: admin,
        timeoutMs: 90_000,
      })
      const log = await downloadLog(server, done.id, admin)
      expect(done.status, `${done.error}\n${log}`).toBe('succeeded')
      expect(done.steps.every((s) => s.status === 'succeeded')).toBe(true)
      const expected = parseOutput(adapter, sample(file))

      // The summary for the commit and the PR is the CLI's final result message.
      const agentStep = done.steps.find((s) => s.name === 'agent')
      expect(agentStep?.result).toMatchObject({ kind: adapter.provider, summary: expected.outcome.result })
      expect(done.commit_history).toHaveLength(1)
      const words = (text: string | null | undefined) => (text ?? '').replace(/\s+/g, ' ')
      // The commit body is the summary, wrapped at 72 columns.
      expect(words(done.commit_history[0]?.message)).toContain(words(expected.outcome.result))
      const pulls = await pullsOf(server, repo.id, admin)
      expect(pulls).toHaveLength(1)
      expect(pulls[0]).toMatchObject({
        head: `task-${task.number}`,
        base: 'main',
        state: 'open',
        task_id: task.id,
      })
      expect(pulls[0]?.body).toContain(expected.outcome.result)
      const moved = Task.parse(
        (await server.request('GET', `/api/v1/tasks/${task.id}`, { token: admin })).json,
      )
      expect(moved.status).toBe('in_review')

      // The conversation, in the order the CLI told it, before the agent step is marked done.
      const stored = await eventsOf(server, done.id)
      const conversation = stored.filter((e) => e.type.startsWith('agent.'))
      // Behind the model proxy, usage is the proxy's count (none here: the stand-in calls no model),
      // not what the CLI printed about itself.
      const proxied = adapter.protocol(agent.llm_model ?? null) !== null
      expect(conversation.map(({ type, payload }) => ({ type, payload }))).toEqual(
        proxied ? expected.events.filter((e) => e.type !== 'agent.usage') : expected.events,
      )
      const agentDone = stored.findIndex(
        (e) =>
          e.type === 'step.updated' &&
          (e.payload as { name: string; status: string }).name === 'agent' &&
          (e.payload as { status: string }).status === 'succeeded',
      )
      expect(stored.indexOf(conversation.at(-1) as (typeof stored)[number])).toBeLessThan(agentDone)

      // The work and the stand-in's record of what it could see, both committed on task-{n}.
      const branch = await readBranch(repo, `task-${task.number}`, admin, ['README.md', '.agent-env.txt'])
      expect(branch.files['README.md']).toContain('goodbye world')
      expect(branch.tracked.some((path) => path.startsWith('.aider'))).toBe(false)
      const seen = branch.files['.agent-env.txt'] ?? ''
      // The CLI got the model key under the names it reads (in its environ too): a CLI the model
      // proxy serves gets the proxy's stand-in key, and the real key is nowhere in the sandbox.
      for (const name of given)
        if (proxied) expect(seen).toMatch(new RegExp(`^${name}=sk-squad-[0-9a-f]{48}$`, 'm'))
        else expect(seen).toContain(`${name}=${keys[source]}`)
      if (proxied) for (const form of formsOf(keys[source])) expect(seen).not.toContain(form)
      // ...and no forge credential: not the run's token, no auth header, no git credential config.
      const tokens = minted.slice(mintedBefore)
      expect(tokens.length).toBeGreaterThan(0)
      for (const token of tokens) expect(seen).not.toContain(token)
      expect(seen).not.toMatch(/authorization|GIT_CONFIG_|GIT_ASKPASS|sqd_/i)

      // The pre-commit hook the stand-in planted never runs: the pipeline's git commands ignore
      // the workspace's hooks, so nothing the agent wrote executes with the pipeline's environment.
      expect(log).not.toContain('## pre-commit hook env')

      // The log and the event stream show the key only redacted.
      for (const name of given) expect(log).toContain(`${name}=***`)
      const stream = JSON.stringify(stored)
      for (const form of formsOf(keys[source])) {
        expect(log).not.toContain(form)
        expect(stream).not.toContain(form)
      }
      expect(log).toContain(`$ ./.agent-bin/`)
    },
    120_000,
  )

  it('fails the agent step, saying how to install the CLI, when its binary is missing', async () => {
    const { squad, agent, repo } = await setupCliSquad(server, admin, { llm_provider: 'claude-code' })
    const task = await createTask(
      server,
      squad.id,
      { title: 'Say goodbye', repository_id: repo.id, assignee_id: agent.id },
      { token: admin },
    )
    const done = await waitForExecution(server, (await startTask(server, task.id, { token: admin })).id, {
      token: admin,
      timeoutMs: 90_000,
    })
    const step = done.steps.find((s) => s.name === 'agent')
    expect(step?.status, `${done.error}\n${await downloadLog(server, done.id, admin)}`).toBe('failed')
    expect(done.status).toBe('failed')
    expect(step?.error).toContain('Claude Code could not be started (`claude`: command not found)')
    expect(done.error).toContain('install claude-code in the sandbox template or set config.command')
    expect(done.steps.find((s) => s.name === 'push')?.status).toBe('pending')
    expect(await pullsOf(server, repo.id, admin)).toHaveLength(0)
  }, 120_000)

  it('fails the agent step with the exit code and what the CLI reported when it exits non-zero', async () => {
    const { squad, agent, repo } = await setupCliSquad(server, admin, {
      llm_provider: 'codex',
      config: { command: './.agent-bin/codex-fails' },
    })
    const task = await createTask(
      server,
      squad.id,
      { title: 'Say goodbye', repository_id: repo.id, assignee_id: agent.id },
      { token: admin },
    )
    const done = await waitForExecution(server, (await startTask(server, task.id, { token: admin })).id, {
      token: admin,
      timeoutMs: 90_000,
    })
    const log = await downloadLog(server, done.id, admin)
    expect(done.steps.find((s) => s.name === 'agent')?.error, `${done.error}\n${log}`).toBe(
      'Codex CLI exited with code 1: unexpected status 401 Unauthorized: invalid api key',
    )
    expect(done.status).toBe('failed')
    expect(log).toContain('ERROR: unexpected status 401 Unauthorized')
    for (const form of formsOf(keys.OPENAI_API_KEY)) expect(log).not.toContain(form)
    expect(await pullsOf(server, repo.id, admin)).toHaveLength(0)
  }, 120_000)
})
