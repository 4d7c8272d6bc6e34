import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AgentRunInput } from '../../../src/agents/runtime/agent-runtime.ts'
import { claudeCode } from '../../../src/agents/runtime/cli/claude-code/claude-code.ts'
import { codex } from '../../../src/agents/runtime/cli/codex/codex.ts'
import { geminiCli } from '../../../src/agents/runtime/cli/gemini-cli/gemini-cli.ts'
import { opencode } from '../../../src/agents/runtime/cli/opencode/opencode.ts'
import { runCliAgent } from '../../../src/agents/runtime/cli/run-cli-agent.ts'
import { INSTALLED_MARKER } from '../../../src/agents/toolchain/toolchain-paths.ts'
import { ProcessSandboxProvider } from '../../../src/sandbox/process/process-sandbox-provider.ts'

/** A Codex stand-in: keeps its HOME and config in the workspace, then ends its turn like Codex. */
const standIn = (version: string) =>
  [
    '#!/bin/sh',
    `[ "$1" = --version ] && { echo "codex-cli ${version}"; exit 0; }`,
    'echo "$HOME" >> homes.txt',
    'cp "$HOME/.codex/config.toml" seen-config.toml',
    `echo '{"type":"item.completed","item":{"id":"i","type":"agent_message","text":"done"}}'`,
    `echo '{"type":"turn.completed","usage":{"input_tokens":5,"cached_input_tokens":0,"output_tokens":2}}'`,
  ].join('\n')

/** An npm install of `@openai/codex` at `version` under `dir`, its executable linked from `.bin`. */
function npmInstall(dir: string, version: string) {
  const pkg = join(dir, 'node_modules', '@openai', 'codex')
  mkdirSync(join(pkg, 'bin'), { recursive: true })
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true })
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@openai/codex', version }, null, 2))
  writeFileSync(join(pkg, 'bin', 'codex.js'), standIn(version), { mode: 0o755 })
  symlinkSync('../@openai/codex/bin/codex.js', join(dir, 'node_modules', '.bin', 'codex'))
  return join(dir, 'node_modules', '.bin', 'codex')
}

describe('how a CLI run is set up', () => {
  let scratch: string
  let provider: ProcessSandboxProvider
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'squad-cli-setup-'))
    provider = new ProcessSandboxProvider({ root: join(scratch, 'sandboxes'), logger: { warn: () => {} } })
  })
  afterAll(async () => {
    await provider.close()
    rmSync(scratch, { recursive: true, force: true })
  })

  async function runCodex(
    config: Record<string, unknown>,
    opts: { toolchainDir?: string; sandbox?: Awaited<ReturnType<ProcessSandboxProvider['create']>> } = {},
  ) {
    const { toolchainDir } = opts
    const sandbox = opts.sandbox ?? (await provider.create({}))
    const warnings: string[] = []
    const system: string[] = []
    const input = {
      sandbox,
      workdir: sandbox.workdir,
      assignment: { mode: 'implement', feedback: [] },
      task: { id: 't', number: 1, title: 'T', description: '', labels: [], script: null },
      agent: {
        id: 'a',
        name: 'Ada',
        role: 'backend',
        llmProvider: 'codex',
        llmModel: '',
        systemPrompt: '',
        config,
      },
      log: { stdout: () => {}, stderr: () => {}, system: (text: string) => system.push(text) },
      emit: () => {},
      warn: (message: string) => warnings.push(message),
      addSecret: () => {},
      signal: new AbortController().signal,
      timeoutMs: 30_000,
    } satisfies AgentRunInput
    const env = { OPENAI_API_KEY: 'sk-test-setup-0123456789' }
    const outcome = await runCliAgent(codex, { env, ...(toolchainDir ? { toolchainDir } : {}) }, input)
    return { sandbox, outcome, warnings, system: system.join('') }
  }

  it('gives every run a fresh HOME holding the config files the CLI needs', async () => {
    const command = npmInstall(join(scratch, 'same'), '0.169.0')
    const { sandbox, outcome, warnings } = await runCodex({ command, base_url: 'http://127.0.0.1:9/v1' })
    expect(outcome).toMatchObject({ summary: 'done', usage: { steps: 1, input_tokens: 5, output_tokens: 2 } })
    expect(warnings).toEqual([])
    const config = await sandbox.files.read('seen-config.toml')
    expect(config).toContain('check_for_update_on_startup = false')
    expect(config).toContain(
      'base_url = "http://127.0.0.1:9/v1"\nenv_key = "OPENAI_API_KEY"\nwire_api = "responses"',
    )
    // A second run in the same sandbox gets another HOME.
    await runCodex({ command }, { sandbox })
    const homes = (await sandbox.files.read('homes.txt')).trim().split('\n')
    expect(homes).toHaveLength(2)
    for (const home of homes) expect(home).toMatch(/\/\.squad-runs\/home\.\w{6}$/)
    expect(homes[0]).not.toBe(homes[1])
    await sandbox.kill()
  })

  it('warns, naming both versions, when the CLI is not the tested version, and runs it', async () => {
    const command = npmInstall(join(scratch, 'old'), '0.100.0')
    const { outcome, warnings } = await runCodex({ command })
    expect(outcome.summary).toBe('done')
    expect(warnings).toEqual([
      'Codex CLI 0.100.0 is not the tested version 0.169.0: it runs, but its output may have changed ' +
        '(install the tested one with `squad agents install codex`)',
    ])
  })

  it('runs the pinned install from the toolchain folder when config.command is unset, unasked', async () => {
    const toolchain = join(scratch, 'toolchain')
    const dir = join(toolchain, 'agents', 'codex', '0.169.0')
    const binary = npmInstall(dir, '0.169.0')
    writeFileSync(join(dir, INSTALLED_MARKER), '{}')
    const { outcome, warnings, system } = await runCodex({}, { toolchainDir: toolchain })
    expect(outcome.summary).toBe('done')
    expect(warnings).toEqual([])
    expect(system).toContain(`$ ${binary} exec --json --dangerously-bypass-approvals-and-sandbox`)
  })
})

describe('what each CLI is configured with', () => {
  const base = { model: 'm', keyEnv: 'KEY' }
  it('Claude Code: the base URL and no outside traffic, in its environment', () => {
    expect(claudeCode.setup({ ...base, baseUrl: 'http://127.0.0.1:1' }).env).toMatchObject({
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
    })
    expect(claudeCode.args({ model: null, baseUrl: null })).toContain('acceptEdits')
  })
  it('OpenCode: a provider of its own for the base URL, the model named after it, no plugins or updates', () => {
    const setup = opencode.setup({ ...base, model: 'openai/gpt-5', baseUrl: 'http://127.0.0.1:1/v1' })
    const config = JSON.parse(setup.files['.config/opencode/opencode.json'] ?? '{}')
    expect(config).toMatchObject({
      autoupdate: false,
      share: 'disabled',
      provider: {
        squad: {
          npm: '@ai-sdk/openai-compatible',
          options: { baseURL: 'http://127.0.0.1:1/v1', apiKey: '{env:KEY}' },
          models: { 'gpt-5': {} },
        },
      },
    })
    expect(setup.env).toMatchObject({
      OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
      OPENCODE_DISABLE_AUTOUPDATE: '1',
    })
    expect(opencode.args({ model: 'openai/gpt-5', baseUrl: 'http://x' })).toContain('squad/gpt-5')
  })
  it('Gemini CLI: the API key as its auth method (else exit 41), statistics off, the folder trusted', () => {
    const setup = geminiCli.setup({ ...base, baseUrl: 'http://127.0.0.1:1' })
    expect(JSON.parse(setup.files['.gemini/settings.json'] ?? '{}')).toMatchObject({
      security: { auth: { selectedType: 'gemini-api-key' } },
      privacy: { usageStatisticsEnabled: false },
    })
    expect(setup.env).toEqual({
      GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:1',
      GEMINI_CLI_TRUST_WORKSPACE: 'true',
    })
  })
})
