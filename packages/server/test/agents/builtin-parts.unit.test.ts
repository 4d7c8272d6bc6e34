import { APICallError } from 'ai'
import { describe, expect, it } from 'vitest'
import { describeModelFailure, ModelCallError } from '../../src/agents/runtime/builtin/model-errors.ts'
import { retryAfterMs } from '../../src/agents/runtime/builtin/model-retry.ts'
import { costOf, priceOf } from '../../src/agents/runtime/builtin/pricing.ts'
import { anthropicBaseUrl, envFromConfig } from '../../src/agents/runtime/builtin/provider.ts'
import { buildPrompt, roleTemplate } from '../../src/agents/runtime/builtin/system-prompt.ts'
import { truncateMiddle } from '../../src/agents/runtime/builtin/tool.ts'
import { confineToWorkspace, PathEscapeError } from '../../src/agents/runtime/builtin/workspace-path.ts'

const apiError = (statusCode: number | undefined, headers: Record<string, string> = {}, body?: string) =>
  new APICallError({
    message: 'failed',
    url: 'http://model.test/v1/chat/completions',
    requestBodyValues: {},
    ...(statusCode ? { statusCode } : {}),
    responseHeaders: headers,
    ...(body ? { responseBody: body } : {}),
  })

describe('confineToWorkspace', () => {
  it.each([
    ['src/a.ts', 'src/a.ts'],
    ['./src/../b.ts', 'b.ts'],
    ['/workspace/src/a.ts', 'src/a.ts'],
    ['/workspace', '.'],
    ['', '.'],
    ['src/', 'src'],
  ])('keeps %j inside as %j', (input, expected) => {
    expect(confineToWorkspace(input, '/workspace')).toBe(expected)
  })
  it.each(['../x', 'src/../../x', '/etc/passwd', '/workspace-other/a', 'a\0b'])('refuses %j', (input) => {
    expect(() => confineToWorkspace(input, '/workspace')).toThrow(PathEscapeError)
  })
})

describe('retryAfterMs', () => {
  it('reads retry-after-ms, retry-after in seconds and as an HTTP date', () => {
    expect(retryAfterMs(apiError(429, { 'retry-after-ms': '250' }))).toBe(250)
    expect(retryAfterMs(apiError(429, { 'retry-after': '2' }))).toBe(2000)
    const now = Date.parse('2025-01-01T00:00:00Z')
    expect(retryAfterMs(apiError(503, { 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }), now)).toBe(5000)
    expect(retryAfterMs(apiError(429))).toBeNull()
    expect(retryAfterMs(new ModelCallError(apiError(429, { 'retry-after': '1' }), false))).toBe(1000)
  })
})

describe('describeModelFailure', () => {
  it('words each cause with what to do', () => {
    const said = (status: number, message: string) =>
      describeModelFailure(apiError(status, {}, JSON.stringify({ error: { message } })), 'openai/gpt-4.1', 3)
        .message
    expect(said(401, 'Incorrect API key')).toMatch(/refused the API key \(401\): Incorrect API key/)
    expect(said(404, 'The model does not exist')).toMatch(/was not found \(404\).*llm_model/)
    expect(said(429, 'Slow down')).toBe('openai/gpt-4.1 is rate limited (after 3 attempts): Slow down')
    expect(said(502, 'Bad gateway')).toBe('openai/gpt-4.1 failed with 502 (after 3 attempts): Bad gateway')
    expect(said(400, 'prompt is too long: 210000 tokens > 200000 maximum')).toMatch(/no longer fits/)
    expect(describeModelFailure(apiError(undefined), 'x/y', 1).message).toMatch(/^Could not reach x\/y at/)
  })
})

describe('pricing', () => {
  it('knows list prices by prefix, takes config.pricing first, and charges cached input less', () => {
    expect(priceOf('claude-sonnet-4-5-20250929', {})).toMatchObject({ input: 3, output: 15 })
    expect(priceOf('openai/gpt-4.1-mini', {})).toMatchObject({ input: 0.4 })
    expect(priceOf('my-local-model', {})).toBeNull()
    const custom = priceOf('my-local-model', { pricing: { input_per_mtok: 1, output_per_mtok: 2 } })
    expect(costOf(custom, { inputTokens: 1_000_000, outputTokens: 500_000, cachedInputTokens: 0 })).toBe(2)
    const cached = priceOf('gpt-4.1', {})
    expect(costOf(cached, { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 1_000_000 })).toBe(
      0.5,
    )
  })
})

describe('provider settings', () => {
  it('adds /v1 to an Anthropic base URL without a path only', () => {
    expect(anthropicBaseUrl('http://127.0.0.1:4000')).toBe('http://127.0.0.1:4000/v1')
    expect(anthropicBaseUrl('https://proxy.test/anthropic/v1/')).toBe('https://proxy.test/anthropic/v1')
  })
  it('reads the provider variables from the config and other names from the environment', () => {
    const env = envFromConfig({ OPENAI_API_KEY: 'from-config' }, { OPENAI_API_KEY: 'from-env', OTHER: 'x' })
    expect(env('OPENAI_API_KEY')).toBe('from-config')
    expect(env('ANTHROPIC_API_KEY')).toBeUndefined()
    expect(env('OTHER')).toBe('x')
  })
})

describe('prompt', () => {
  it('builds the system prompt from the role, the agent, the instructions file; the task comes first', () => {
    expect(roleTemplate('qa')).toBe(roleTemplate('reviewer'))
    expect(roleTemplate('devops')).toContain('software engineer')
    const { system, prompt } = buildPrompt({
      agent: {
        id: null,
        name: 'Ada',
        role: 'frontend',
        llmProvider: 'anthropic',
        llmModel: 'm',
        systemPrompt: 'Prefer CSS modules.',
        config: {},
      },
      task: {
        id: 't',
        number: 12,
        title: 'Dark mode',
        description: 'Add a toggle.',
        labels: ['ui'],
        script: null,
      },
      workdir: '/workspace',
      instructions: { file: 'CLAUDE.md', text: 'Use pnpm.' },
    })
    expect(system).toContain('frontend engineer')
    expect(system).toContain('Prefer CSS modules.')
    expect(system).toContain("The repository's CLAUDE.md")
    expect(system).toContain('Use pnpm.')
    expect(system).toContain('branch task-12')
    expect(prompt).toBe('Task #12: Dark mode\nLabels: ui\n\nAdd a toggle.')
  })
})

describe('truncateMiddle', () => {
  it('keeps the head and the tail', () => {
    const out = truncateMiddle(`${'a'.repeat(100)}${'z'.repeat(100)}`, 50)
    expect(out.startsWith('a'.repeat(30))).toBe(true)
    expect(out.endsWith('z'.repeat(20))).toBe(true)
    expect(out).toContain('150 characters omitted')
  })
})
