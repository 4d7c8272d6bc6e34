import { describe, expect, it } from 'vitest'
import { aider } from '../../../src/agents/runtime/cli/aider/aider.ts'
import { cliAdapters, createCliAgents } from '../../../src/agents/runtime/cli/cli-agents.ts'
import { findModelKey, readCliConfig } from '../../../src/agents/runtime/cli/cli-config.ts'
import { codex } from '../../../src/agents/runtime/cli/codex/codex.ts'
import { createLineSplitter } from '../../../src/agents/runtime/cli/line-splitter.ts'
import { opencode } from '../../../src/agents/runtime/cli/opencode/opencode.ts'
import { renderEvent } from '../../../src/agents/runtime/cli/render-event.ts'
import { MAX_PROMPT_BYTES, taskPrompt } from '../../../src/agents/runtime/cli/task-prompt.ts'

describe('agent CLI registry', () => {
  it('has an adapter for every agent-CLI llm_provider of the contract, and no runtime for the others', () => {
    expect(cliAdapters.map((a) => a.provider).sort()).toEqual(
      ['aider', 'claude-code', 'codex', 'gemini-cli', 'opencode'].sort(),
    )
    const agentFor = createCliAgents({ env: {} })
    for (const provider of ['claude-code', 'codex', 'opencode', 'aider', 'gemini-cli'])
      expect(agentFor({ llmProvider: provider })?.kind).toBe(provider)
    for (const provider of ['script', 'openai', 'anthropic', 'openai-compatible'])
      expect(agentFor({ llmProvider: provider })).toBeNull()
    expect(agentFor(null)).toBeNull()
  })
})

describe('agent CLI config', () => {
  it('reads command, api_key_env and args, ignoring the rest of the config', () => {
    expect(
      readCliConfig(
        { command: ' /opt/bin/claude ', api_key_env: 'TEAM_ANTHROPIC_API_KEY', args: ['-x'], other: 1 },
        'X',
      ),
    ).toEqual({ command: '/opt/bin/claude', api_key_env: 'TEAM_ANTHROPIC_API_KEY', args: ['-x'] })
    expect(readCliConfig({}, 'X')).toEqual({})
  })

  it('refuses a key variable that is not a key or is one of the server own credentials', () => {
    for (const name of [
      'GITHUB_TOKEN',
      'GH_TOKEN',
      'DATABASE_URL',
      'E2B_API_KEY',
      'SQUAD_SECRET_KEY',
      'PATH',
      'a-b_KEY',
    ])
      expect(() => readCliConfig({ api_key_env: name }, 'Claude Code')).toThrow(/config\.api_key_env/)
  })

  it('refuses a command that is not one line, and names the field', () => {
    expect(() => readCliConfig({ command: 'claude\nrm -rf /' }, 'Claude Code')).toThrow(
      'Claude Code agent: config.command must be one line',
    )
    expect(() => readCliConfig({ command: 42 }, 'Codex CLI')).toThrow(/config\.command/)
    expect(() => readCliConfig({ args: 'a b' }, 'Codex CLI')).toThrow(/config\.args/)
  })
})

describe('finding the model key', () => {
  const env = { OPENAI_API_KEY: 'sk-openai', CODEX_API_KEY: 'sk-codex', TEAM_KEY: 'sk-team', EMPTY_KEY: '' }

  it('takes the first of the CLI key variables that is set, under its names', () => {
    expect(findModelKey(codex.keyVariables(null), undefined, env)).toEqual({
      source: 'OPENAI_API_KEY',
      value: 'sk-openai',
      envs: { OPENAI_API_KEY: 'sk-openai', CODEX_API_KEY: 'sk-openai' },
    })
    expect(findModelKey(codex.keyVariables(null), undefined, { CODEX_API_KEY: 'sk-codex' })?.envs).toEqual({
      CODEX_API_KEY: 'sk-codex',
    })
  })

  it('prefers config.api_key_env, handed over under the CLI first key name', () => {
    expect(findModelKey(aider.keyVariables('gpt-4o'), 'TEAM_KEY', env)).toEqual({
      source: 'TEAM_KEY',
      value: 'sk-team',
      envs: { OPENAI_API_KEY: 'sk-team' },
    })
    expect(findModelKey(aider.keyVariables('gpt-4o'), 'EMPTY_KEY', env)).toBeNull()
    expect(findModelKey(aider.keyVariables('gpt-4o'), 'MISSING_KEY', env)).toBeNull()
  })

  it('follows the model provider for OpenCode and Aider', () => {
    expect(opencode.keyVariables('anthropic/claude-sonnet-4-5').map((v) => v.env)).toEqual([
      'ANTHROPIC_API_KEY',
    ])
    expect(opencode.keyVariables('openai/gpt-5').map((v) => v.env)).toEqual(['OPENAI_API_KEY'])
    expect(opencode.keyVariables('google/gemini-2.5-pro')[0]).toEqual({
      env: 'GEMINI_API_KEY',
      also: ['GOOGLE_GENERATIVE_AI_API_KEY'],
    })
    expect(aider.keyVariables('sonnet').map((v) => v.env)).toEqual(['ANTHROPIC_API_KEY'])
    expect(aider.keyVariables('openrouter/deepseek/deepseek-chat').map((v) => v.env)).toEqual([
      'OPENROUTER_API_KEY',
    ])
    expect(aider.keyVariables(null).map((v) => v.env)).toEqual([
      'ANTHROPIC_API_KEY',
      'OPENAI_API_KEY',
      'GEMINI_API_KEY',
    ])
  })
})

describe('the task prompt', () => {
  const input = {
    workdir: '/workspace',
    task: {
      id: 't',
      number: 7,
      title: 'Fix the greeting',
      description: 'It says hello.',
      labels: ['bug'],
      script: null,
    },
    agent: {
      id: 'a',
      name: 'Ada',
      role: 'backend',
      llmProvider: 'claude-code',
      llmModel: '',
      systemPrompt: 'Prefer small diffs.',
      config: {},
    },
  }

  it('says who the agent is, the task, where it works and the ground rules', () => {
    const prompt = taskPrompt(input)
    expect(prompt).toContain('You are Ada, the backend agent')
    expect(prompt).toContain('Prefer small diffs.')
    expect(prompt).toContain('# Task #7: Fix the greeting')
    expect(prompt).toContain('Labels: bug')
    expect(prompt).toContain('It says hello.')
    expect(prompt).toContain('on the branch task-7')
    expect(prompt).toMatch(/Do not commit, push/)
  })

  it('shortens a description too long for one argument, saying so', () => {
    const prompt = taskPrompt({ ...input, task: { ...input.task, description: 'é'.repeat(200_000) } })
    expect(Buffer.byteLength(prompt)).toBeLessThanOrEqual(MAX_PROMPT_BYTES)
    expect(prompt).toContain('[the description was shortened to fit]')
    expect(prompt).toContain('# How to work')
    expect(prompt).not.toContain('\uFFFD')
  })
})

describe('line splitter', () => {
  it('joins lines split across chunks, drops CR before LF, flushes the last line and cuts huge ones', () => {
    const lines: string[] = []
    const splitter = createLineSplitter((line) => lines.push(line), 10)
    for (const chunk of ['ab', 'c\r\nde', 'f\n\n', '0123456789xyz', '\nlast']) splitter.push(chunk)
    splitter.end()
    expect(lines).toEqual(['abc', 'def', '', '0123456789', 'xyz', 'last'])
  })
})

describe('rendering events for the log', () => {
  it('shows tool calls in one line with an excerpt of their output', () => {
    const started = renderEvent({
      type: 'agent.tool_call',
      payload: {
        runtime: 'x',
        call_id: '1',
        tool: 'Bash',
        input: { command: 'ls' },
        status: 'started',
        output: null,
      },
    })
    expect(started).toBe('▸ Bash ls\n')
    const output = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n')
    const done = renderEvent({
      type: 'agent.tool_call',
      payload: {
        runtime: 'x',
        call_id: '1',
        tool: 'Bash',
        input: { command: 'ls' },
        status: 'failed',
        output,
      },
    })
    expect(done.split('\n')[0]).toBe('✗ Bash ls')
    expect(done).toContain('    line 11\n    … 8 more lines\n')
    const usage = renderEvent({
      type: 'agent.usage',
      payload: {
        runtime: 'x',
        model: null,
        input_tokens: 12_345,
        output_tokens: 6,
        cached_input_tokens: null,
        cost_usd: 0.5,
      },
    })
    expect(usage).toBe('usage: 12,345 tokens in, 6 out, $0.5000\n')
  })
})
