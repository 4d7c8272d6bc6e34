import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentEvent, AgentRunInput } from '../../../src/agents/runtime/agent-runtime.ts'
import { aider } from '../../../src/agents/runtime/cli/aider/aider.ts'
import { claudeCode } from '../../../src/agents/runtime/cli/claude-code/claude-code.ts'
import type { CliAdapter } from '../../../src/agents/runtime/cli/cli-adapter.ts'
import { codex } from '../../../src/agents/runtime/cli/codex/codex.ts'
import { runCliAgent } from '../../../src/agents/runtime/cli/run-cli-agent.ts'
import { ProcessSandboxProvider } from '../../../src/sandbox/process/process-sandbox-provider.ts'
import type { Sandbox } from '../../../src/sandbox/sandbox-provider.ts'
import { binDir, parseOutput, sample, samplesDir } from './cli-samples.ts'

/**
 * The shared runner on the process sandbox (fast, no bubblewrap or database): how it calls a CLI,
 * where the key goes, what reaches the log and the event stream, and how each way of failing reads.
 * The same stand-ins run through the whole pipeline in cli-agents.test.ts.
 */
describe('running an agent CLI', () => {
  let scratch: string
  let template: string
  let provider: ProcessSandboxProvider
  let sandbox: Sandbox

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'squad-cli-agent-'))
    template = join(scratch, 'template')
    cpSync(binDir, join(template, '.agent-bin'), { recursive: true })
    cpSync(samplesDir, join(template, '.agent-bin', 'samples'), { recursive: true })
    writeFileSync(join(template, 'README.md'), '# Demo\n\nhello world\n')
    execFileSync('git', ['init', '-q', template])
    provider = new ProcessSandboxProvider({ root: join(scratch, 'sandboxes'), logger: { warn: () => {} } })
  })
  afterAll(async () => {
    await provider?.cleanupOrphans([]).catch(() => {})
    await provider?.close()
    rmSync(scratch, { recursive: true, force: true })
  })

  /** A fresh workspace from the template, and an input that records what the runner does. */
  async function setup(
    options: { config?: Record<string, unknown>; model?: string; timeoutMs?: number } = {},
  ) {
    sandbox = await provider.create({ workspaceTemplate: template })
    const log: { stream: string; text: string }[] = []
    const events: AgentEvent[] = []
    const secrets: string[] = []
    const controller = new AbortController()
    const input: AgentRunInput = {
      sandbox,
      workdir: sandbox.workdir,
      assignment: { mode: 'implement', feedback: [] },
      task: {
        id: 't',
        number: 1,
        title: 'Say goodbye',
        description: 'The greeting is wrong.',
        labels: [],
        script: null,
      },
      agent: {
        id: 'a',
        name: 'Ada',
        role: 'backend',
        llmProvider: 'claude-code',
        llmModel: options.model ?? '',
        systemPrompt: '',
        config: options.config ?? {},
      },
      log: {
        stdout: (text) => log.push({ stream: 'stdout', text }),
        stderr: (text) => log.push({ stream: 'stderr', text }),
        system: (text) => log.push({ stream: 'system', text }),
      },
      emit: (event) => events.push(event),
      addSecret: (secret) => secrets.push(secret),
      signal: controller.signal,
      timeoutMs: options.timeoutMs ?? 30_000,
    }
    const text = (stream?: string) =>
      log
        .filter((entry) => !stream || entry.stream === stream)
        .map((entry) => entry.text)
        .join('')
    return { input, log, text, events, secrets, controller }
  }

  const run = (adapter: CliAdapter, input: AgentRunInput, env: Record<string, string> = {}) =>
    runCliAgent(adapter, { env }, input)

  it('runs the CLI with the prompt and the key, emits its conversation and returns its result', async () => {
    const { input, text, events, secrets } = await setup({ config: { command: './.agent-bin/claude' } })
    const key = 'sk-ant-test-0123456789abcdef'
    const outcome = await run(claudeCode, input, {
      ANTHROPIC_API_KEY: key,
      GITHUB_TOKEN: 'ghp_server_own_token',
    })
    expect(outcome.summary).toBe(
      'Replaced the greeting in README.md: it now says goodbye world instead of hello world.',
    )
    expect(events).toEqual(parseOutput(claudeCode, sample('claude-code.jsonl')).events)
    expect(secrets).toEqual([key])
    // Only the key went to the CLI, not the rest of the server's environment.
    const env = await sandbox.files.read('.agent-env.txt')
    expect(env).toContain(`ANTHROPIC_API_KEY=${key}`)
    expect(env).not.toContain('GITHUB_TOKEN')
    expect(await sandbox.files.read('README.md')).toContain('goodbye world')
    // The log: the command line (never the prompt or the key), the rendered conversation, the
    // lines that were not JSON as printed, and no raw JSON.
    const system = text('system')
    expect(system).toContain('$ ./.agent-bin/claude -p --output-format stream-json --verbose')
    expect(system).toContain('"<task prompt>"  (ANTHROPIC_API_KEY from ANTHROPIC_API_KEY)')
    expect(system).not.toContain(key)
    const stdout = text('stdout')
    expect(stdout).toContain(
      'Claude Code session 5d0b3c3e-2a4e-4d53-9a43-0c1f2f6b7a10 (model claude-sonnet-4-5-20250929)',
    )
    expect(stdout).toContain('▸ Edit /workspace/README.md\n')
    expect(stdout).toContain('✗ Bash grep -c hello README.md\n    0\n')
    expect(stdout).toContain('usage: 26 tokens in, 316 out, $0.0378\n')
    expect(stdout).toContain('Warning: this line is not JSON and goes to the log as printed\n')
    expect(stdout).toContain('{"type":"assistant","message":{"content":[{"type":"text"\n')
    expect(stdout).not.toContain('"type":"result"')
    expect(text('stderr')).toContain('## env')
    await sandbox.kill()
  })

  it('passes a model and extra args, and reads the key from config.api_key_env', async () => {
    const { input, secrets } = await setup({
      model: 'gpt-4o',
      config: {
        command: './.agent-bin/aider',
        api_key_env: 'TEAM_OPENAI_API_KEY',
        args: ['--map-tokens', '0'],
      },
    })
    const outcome = await run(aider, input, {
      TEAM_OPENAI_API_KEY: 'sk-team-key-123456',
      OPENAI_API_KEY: 'sk-other',
    })
    expect(outcome.summary).toBe(
      "I'll change the greeting in README.md.\n\nThe greeting now says goodbye world.",
    )
    expect(secrets).toEqual(['sk-team-key-123456'])
    expect(await sandbox.files.read('.agent-env.txt')).toContain('OPENAI_API_KEY=sk-team-key-123456')
    // Aider's repository-map cache is not the task's work.
    expect((await sandbox.files.list('.')).map((e) => e.name)).not.toContain('.aider.tags.cache.v4')
    await sandbox.kill()
  })

  it('says how to install the CLI when its command is not found', async () => {
    const { input, text } = await setup()
    await expect(run(claudeCode, input)).rejects.toThrow(
      'Claude Code could not be started (`claude`: command not found): install claude-code in the sandbox ' +
        'template or set config.command to where it is (install: `npm install -g @anthropic-ai/claude-code`)',
    )
    expect(text('system')).toMatch(/No model key for Claude Code: ANTHROPIC_API_KEY is not set/)
    await sandbox.kill()
  })

  it('fails with the CLI exit code and the failure it reported', async () => {
    const { input, events } = await setup({ config: { command: './.agent-bin/codex-fails' } })
    await expect(run(codex, input)).rejects.toThrow(
      'Codex CLI exited with code 1: unexpected status 401 Unauthorized: invalid api key',
    )
    expect(events).toEqual([])
    await sandbox.kill()
  })

  it('fails when the CLI exits 0 without its result, saying what was expected and its last words', async () => {
    const { input, events } = await setup({ config: { command: './.agent-bin/claude-no-result' } })
    await expect(run(claudeCode, input)).rejects.toThrow(
      'Claude Code printed no result (expected a final {"type":"result"} line); it last said: Connection lost',
    )
    expect(events.map((e) => e.type)).toEqual(['agent.reasoning', 'agent.message', 'agent.tool_call'])
    await sandbox.kill()
  })

  it('stops the CLI on cancel and on its deadline', async () => {
    const slow = { command: "sh -c 'echo started; sleep 30' sh" }
    const cancelled = await setup({ config: slow })
    const running = run(claudeCode, cancelled.input)
    setTimeout(() => cancelled.controller.abort('cancelled'), 300)
    const started = Date.now()
    await expect(running).rejects.toThrow('Claude Code stopped: cancelled')
    expect(Date.now() - started).toBeLessThan(10_000)
    await sandbox.kill()

    const late = await setup({ config: slow, timeoutMs: 500 })
    await expect(run(claudeCode, late.input)).rejects.toThrow('Claude Code did not finish within 1 s')
    expect(late.text('stdout')).toContain('started\n')
    await sandbox.kill()
  })

  it('refuses a bad config before running anything', async () => {
    const { input, log } = await setup({ config: { api_key_env: 'E2B_API_KEY' } })
    await expect(run(claudeCode, input, { E2B_API_KEY: 'e2b_x' })).rejects.toThrow(
      /^Claude Code agent: config\.api_key_env names a credential of the server itself$/,
    )
    expect(log).toEqual([])
    await sandbox.kill()
  })

  it('keeps the prompt out of the shell: quotes and $(…) in a task reach the CLI as text', async () => {
    const { input } = await setup({ config: { command: './.agent-bin/record-args' } })
    writeFileSync(
      join(scratch, 'record-args'),
      '#!/bin/sh\nprintf "%s\\n" "$@" > args.txt\necho \'{"type":"result","subtype":"success","result":"ok"}\'\n',
      { mode: 0o755 },
    )
    await sandbox.files.write('.agent-bin/record-args', readFileSync(join(scratch, 'record-args')))
    await sandbox.commands.run('chmod +x .agent-bin/record-args')
    input.task.title = `It's "$(touch pwned)" and \`id\``
    await expect(run(claudeCode, input)).resolves.toMatchObject({ summary: 'ok' })
    const args = await sandbox.files.read('args.txt')
    expect(args).toContain(`# Task #1: It's "$(touch pwned)" and \`id\``)
    expect(await sandbox.files.exists('pwned')).toBe(false)
    await sandbox.kill()
  })
})
