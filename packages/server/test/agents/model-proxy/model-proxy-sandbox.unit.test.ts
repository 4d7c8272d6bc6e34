import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentEvent, AgentRunInput } from '../../../src/agents/runtime/agent-runtime.ts'
import { claudeCode } from '../../../src/agents/runtime/cli/claude-code/claude-code.ts'
import { runCliAgent } from '../../../src/agents/runtime/cli/run-cli-agent.ts'
import { LocalSandboxProvider } from '../../../src/sandbox/local/local-sandbox-provider.ts'
import { ProcessSandboxProvider } from '../../../src/sandbox/process/process-sandbox-provider.ts'
import type { NetworkPolicy, Sandbox, SandboxProvider } from '../../../src/sandbox/sandbox-provider.ts'
import { formsOf } from '../../../src/secrets/redactor.ts'
import { startFakeAnthropic } from '../fakes/anthropic-messages-server.ts'
import type { FakeModelServer } from '../fakes/scripted-model.ts'

const has = (tool: string) => existsSync(`/usr/bin/${tool}`) || existsSync(`/usr/local/bin/${tool}`)
const skip = !has('bwrap')
  ? 'bubblewrap is not installed (apt-get install bubblewrap)'
  : !has('socat')
    ? 'socat is not installed (apt-get install socat)'
    : !has('curl')
      ? 'curl is not installed (apt-get install curl)'
      : process.getuid?.() !== 0
        ? 'these tests run the server as root (per-sandbox uids), as in production'
        : null

const REAL_KEY = `sk-ant-real-${'0123456789abcdef'.repeat(3)}`
const ANSWER = 'hello through the proxy'
const limits = { maxSteps: 10, maxTokens: 1_000_000 }

/**
 * A CLI agent run in a real bubblewrap sandbox (network off, and on): the stand-in Claude Code
 * (bin/claude) makes its model call through the model proxy, then dumps everything it can read;
 * neither the real key nor the upstream's address may be in it.
 */
describe.skipIf(skip)('the model proxy in a sandbox', () => {
  let scratch: string
  let template: string
  let local: LocalSandboxProvider
  let fake: FakeModelServer

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'squad-model-proxy-'))
    template = join(scratch, 'template')
    await mkdir(template)
    await cp(join(import.meta.dirname, 'bin'), join(template, '.agent-bin'), { recursive: true })
    await writeFile(join(template, 'README.md'), '# Demo\n')
    execFileSync('git', ['init', '-q', template])
    local = new LocalSandboxProvider({ root: join(scratch, 'local'), uidBase: 247_000, uidCount: 50 })
    fake = await startFakeAnthropic(() => ({
      text: ANSWER,
      usage: { input: 1200, output: 80, cachedInput: 200 },
    }))
  })
  afterAll(async () => {
    await fake?.close()
    await local?.close()
    await rm(scratch, { recursive: true, force: true })
  })

  async function run(
    provider: SandboxProvider,
    config: Record<string, unknown> = {},
    calls = 1,
    network: NetworkPolicy = { mode: 'off' },
  ) {
    const seeding = provider.capabilities.seedFromHostFolder
    const sandbox: Sandbox = seeding
      ? await seeding.create({ workspaceTemplate: template, network })
      : await provider.create({ network })
    await sandbox.files.write('.calls', `${calls}\n`)
    const log: string[] = []
    const events: AgentEvent[] = []
    const input: AgentRunInput = {
      sandbox,
      workdir: sandbox.workdir,
      assignment: { mode: 'implement', feedback: [] },
      task: { id: 't', number: 1, title: 'Say hello', description: '', labels: [], script: null },
      agent: {
        id: 'a',
        name: 'Ada',
        role: 'backend',
        llmProvider: 'claude-code',
        llmModel: '',
        systemPrompt: '',
        config: { command: './.agent-bin/claude', base_url: fake.origin, ...config },
      },
      log: { stdout: (t) => log.push(t), stderr: (t) => log.push(t), system: (t) => log.push(t) },
      emit: (event) => events.push(event),
      addSecret: () => {},
      signal: new AbortController().signal,
      timeoutMs: 60_000,
    }
    const outcome = runCliAgent(
      claudeCode,
      { env: { ANTHROPIC_API_KEY: REAL_KEY }, modelProxy: { limits } },
      input,
    )
    return { sandbox, outcome, log, events }
  }

  // With the network on, the egress relay runs beside the proxy's and HTTP(S)_PROXY are set: the
  // proxy's loopback address must stay direct (NO_PROXY).
  it.each([{ mode: 'off' }, { mode: 'internet' }] as NetworkPolicy[])(
    'completes the model call through the proxy; the sandbox holds neither the key nor the upstream (network $mode)',
    async (network) => {
      fake.setScript(() => ({ text: ANSWER, usage: { input: 1200, output: 80, cachedInput: 200 } }))
      const { sandbox, outcome, log, events } = await run(local, {}, 1, network)
      const result = await outcome
      expect(result.summary).toBe(`model said: ${ANSWER}`)
      expect(fake.requests).toHaveLength(1)
      expect(fake.requests[0]?.headers['x-api-key']).toBe(REAL_KEY)

      const dump = await sandbox.files.read('probe.txt')
      // The probe did read other processes (the relay's command line names its socket) and the env.
      expect(dump).toContain('UNIX-CONNECT:/run/squad/service-3129.sock')
      expect(dump).toMatch(/^ANTHROPIC_API_KEY=sk-squad-[0-9a-f]{48}$/m)
      expect(dump).toContain('ANTHROPIC_BASE_URL=http://127.0.0.1:3129\n')
      for (const form of formsOf(REAL_KEY)) expect(dump).not.toContain(form)
      const port = new URL(fake.origin).port
      expect(dump).not.toContain(fake.origin)
      expect(dump).not.toMatch(new RegExp(`\\b${port}\\b`))
      expect(log.join('')).not.toContain(REAL_KEY)

      // Usage is the proxy's count (the provider's), not what the CLI printed about itself.
      const usage = events.filter((e) => e.type === 'agent.usage')
      expect(usage.map((e) => e.payload)).toEqual([
        {
          runtime: 'claude-code',
          model: 'claude-sonnet-4-5',
          input_tokens: 1200,
          output_tokens: 80,
          cached_input_tokens: 200,
          cost_usd: 0.00426,
        },
      ])
      expect(result.usage).toEqual({
        model: 'claude-code/claude-sonnet-4-5',
        steps: 1,
        input_tokens: 1200,
        output_tokens: 80,
        cached_input_tokens: 200,
        cost_usd: 0.00426,
      })
      await sandbox.kill()
    },
  )

  it('stops the run at the request limit, saying why, though the CLI exits 0', async () => {
    fake.setScript(() => ({ text: ANSWER }))
    const { sandbox, outcome, log } = await run(local, { max_steps: 2 }, 3)
    await expect(outcome).rejects.toThrow(
      "Claude Code stopped: the squad's limit of 2 model requests for this execution is reached",
    )
    expect(fake.requests).toHaveLength(2)
    const text = log.join('')
    expect(text).toContain("The model proxy refused a model call: the squad's limit of 2 model requests")
    expect(text).toContain('"type":"invalid_request_error"')
    await sandbox.kill()
  })

  it('gives the key to a CLI in a sandbox that cannot reach host services, and says so', async () => {
    const processes = new ProcessSandboxProvider({
      root: join(scratch, 'process'),
      logger: { warn: () => {} },
    })
    fake.setScript(() => ({ text: ANSWER }))
    const { sandbox, outcome, log } = await run(processes, { command: './.agent-bin/claude-env' })
    // Without the proxy the CLI goes to the agent's own base URL itself, with the real key.
    await expect(outcome).resolves.toMatchObject({ summary: `key given, base URL ${fake.origin}` })
    expect(log.join('')).toContain(
      "Claude Code gets its model key in its environment: this sandbox provider cannot reach the host's model proxy.",
    )
    await sandbox.kill()
    await processes.close()
  })
})
