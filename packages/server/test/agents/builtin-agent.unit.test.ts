import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatToolResults, createWorkspace, hasBwrap, runBuiltinAgent } from './agent-harness.ts'
import { startFakeAnthropic } from './fakes/anthropic-messages-server.ts'
import { startFakeOpenAI } from './fakes/openai-chat-server.ts'
import { startFakeOpenAIResponses } from './fakes/openai-responses-server.ts'
import type { FakeModelServer, FakeTurn } from './fakes/scripted-model.ts'

const files = {
  'greet.txt': 'hello world\n',
  'test.sh': 'grep -q goodbye greet.txt && echo "1 passed" || { echo "greeting is wrong" >&2; exit 1; }\n',
}

/** The scripted conversation of a small task: read, edit, run the tests, finish. */
const happyPath = (): FakeTurn[] => [
  {
    text: 'Let me look at the greeting first.',
    toolCalls: [{ id: 'c1', name: 'read', args: { path: 'greet.txt' } }],
  },
  {
    text: 'It says hello; changing it.',
    toolCalls: [
      { id: 'c2', name: 'edit', args: { path: 'greet.txt', old_string: 'hello', new_string: 'goodbye' } },
    ],
  },
  { toolCalls: [{ id: 'c3', name: 'run', args: { command: 'sh test.sh' } }] },
  {
    text: 'Tests pass.',
    toolCalls: [
      {
        id: 'c4',
        name: 'finish',
        args: { summary: 'Changed the greeting to goodbye.', commit_type: 'fix', commit_scope: 'greeting' },
      },
    ],
  },
]

describe.skipIf(!hasBwrap)('built-in agent (real sandbox, fake model over HTTP)', () => {
  let openai: FakeModelServer
  let anthropic: FakeModelServer
  beforeAll(async () => {
    openai = await startFakeOpenAI()
    anthropic = await startFakeAnthropic()
  })
  afterAll(async () => {
    await openai?.close()
    await anthropic?.close()
  })

  it('reads, edits, runs the tests and finishes through an OpenAI-compatible server', async () => {
    const ws = await createWorkspace(files)
    try {
      openai.setScript(happyPath())
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: {
          llmProvider: 'openai-compatible',
          config: { base_url: openai.url, api_key_env: 'FAKE_KEY' },
        },
        env: { FAKE_KEY: 'sk-fake-secret-key-123456' },
      })
      expect(run.error).toBeNull()
      expect(run.result).toMatchObject({
        summary: 'Changed the greeting to goodbye.',
        commitType: 'fix',
        commitScope: 'greeting',
        usage: { model: 'openai-compatible/fake-model', steps: 4, input_tokens: 400, output_tokens: 80 },
      })
      expect(await ws.sandbox.files.read('greet.txt')).toBe('goodbye world\n')
      expect(openai.requests).toHaveLength(4)
      expect(openai.requests[0]?.headers.authorization).toBe('Bearer sk-fake-secret-key-123456')
      const results = chatToolResults(openai.requests[3]?.body ?? {})
      expect(results.get('c1')).toContain('1| hello world')
      expect(results.get('c2')).toContain('replaced 1 occurrence')
      expect(results.get('c3')).toMatch(/Exit code: 0\n1 passed/)
      const types = run.events.map((e) => e.type)
      expect(types).toContain('agent.message')
      expect(types.filter((t) => t === 'agent.usage')).toHaveLength(4)
      const calls = run.events.filter((e) => e.type === 'agent.tool_call')
      expect(calls.map((e) => [e.payload.tool, e.payload.status])).toEqual([
        ['read', 'started'],
        ['read', 'succeeded'],
        ['edit', 'started'],
        ['edit', 'succeeded'],
        ['run', 'started'],
        ['run', 'succeeded'],
        ['finish', 'started'],
        ['finish', 'succeeded'],
      ])
      const text = run.events
        .filter((e) => e.type === 'agent.message')
        .map((e) => e.payload.text)
        .join('')
      expect(text).toContain('Let me look at the greeting first.')
      expect(run.log).toContain('$ sh test.sh')
      expect(run.log).toContain('1 passed')
    } finally {
      await ws.close()
    }
  })

  it('works the same through the Anthropic Messages API, with its thinking as reasoning events', async () => {
    const ws = await createWorkspace(files)
    try {
      const turns = happyPath()
      turns[0] = {
        ...turns[0],
        reasoning: 'The test greps for goodbye, so the file must say goodbye.',
      } as FakeTurn
      anthropic.setScript(turns)
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'anthropic', llmModel: 'claude-sonnet-4-5' },
        env: { ANTHROPIC_API_KEY: 'sk-ant-fake-key-abcdef', ANTHROPIC_BASE_URL: anthropic.origin },
      })
      expect(run.error).toBeNull()
      expect(run.result).toMatchObject({ commitType: 'fix', commitScope: 'greeting' })
      expect(await ws.sandbox.files.read('greet.txt')).toBe('goodbye world\n')
      expect(anthropic.requests[0]?.path).toBe('/v1/messages')
      expect(anthropic.requests[0]?.headers['x-api-key']).toBe('sk-ant-fake-key-abcdef')
      const reasoning = run.events.filter((e) => e.type === 'agent.reasoning').map((e) => e.payload.text)
      expect(reasoning.join('')).toBe('The test greps for goodbye, so the file must say goodbye.')
      // Known price list: claude-sonnet-4* costs $3 / $15 per million tokens.
      expect(run.result?.usage?.cost_usd).toBeCloseTo((400 * 3 + 80 * 15) / 1_000_000, 8)
      const second = anthropic.requests[1]?.body.messages as {
        role: string
        content: { type: string; content?: unknown }[]
      }[]
      expect(JSON.stringify(second.at(-1))).toContain('1| hello world')
    } finally {
      await ws.close()
    }
  })

  it('speaks the OpenAI Responses API when the agent asks for it (config.api "responses")', async () => {
    const ws = await createWorkspace(files)
    const responses = await startFakeOpenAIResponses(happyPath())
    try {
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai', llmModel: 'gpt-5-mini', config: { api: 'responses' } },
        env: { OPENAI_API_KEY: 'sk-openai-fake-key-1234', OPENAI_BASE_URL: responses.url },
      })
      expect(run.error).toBeNull()
      expect(run.result).toMatchObject({ commitType: 'fix', commitScope: 'greeting' })
      expect(await ws.sandbox.files.read('greet.txt')).toBe('goodbye world\n')
      expect(responses.requests.map((r) => r.path)).toEqual(Array(4).fill('/v1/responses'))
      expect(JSON.stringify(responses.requests[3]?.body.input)).toMatch(
        /function_call_output[^}]*c3[^}]*1 passed/,
      )
      expect(run.result?.usage?.cost_usd).toBeCloseTo((400 * 0.25 + 80 * 2) / 1_000_000, 8)
    } finally {
      await responses.close()
      await ws.close()
    }
  })

  it('refuses paths outside the workspace (../, absolute, symlinks) and tells the model why', async () => {
    // /tmp is inside the sandbox (its files API allows it), but not inside the workspace.
    const ws = await createWorkspace(files, { symlinks: { etc: '/etc', 'escape.txt': '/tmp/outside.txt' } })
    try {
      openai.setScript([
        {
          toolCalls: [
            { id: 'up', name: 'read', args: { path: '../../etc/passwd' } },
            { id: 'abs', name: 'read', args: { path: '/etc/passwd' } },
            { id: 'link', name: 'read', args: { path: 'etc/passwd' } },
            { id: 'linkfile', name: 'write', args: { path: 'escape.txt', content: 'x' } },
            { id: 'grep', name: 'grep', args: { pattern: 'root', path: 'etc' } },
            { id: 'inside', name: 'read', args: { path: `${ws.sandbox.workdir}/greet.txt` } },
            { id: 'glob', name: 'glob', args: { pattern: './*.sh' } },
          ],
        },
        {
          toolCalls: [
            { id: 'f', name: 'finish', args: { summary: 'Could not escape.', commit_type: 'chore' } },
          ],
        },
      ])
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai-compatible', config: { base_url: openai.url } },
      })
      expect(run.error).toBeNull()
      const results = chatToolResults(openai.requests[1]?.body ?? {})
      expect(results.get('up')).toMatch(/Refused: "\.\.\/\.\.\/etc\/passwd" climbs out of the workspace/)
      expect(results.get('abs')).toMatch(/Refused: "\/etc\/passwd" is outside the workspace/)
      expect(results.get('link')).toMatch(
        /Refused: "etc\/passwd" resolves \(through a symlink\) to \/etc\/passwd/,
      )
      expect(results.get('linkfile')).toMatch(/Refused: "escape.txt" resolves/)
      expect(results.get('grep')).toMatch(/Refused: "etc" resolves/)
      expect(results.get('inside')).toContain('1| hello world')
      expect(results.get('glob')).toBe('test.sh')
      const failed = run.events.filter((e) => e.type === 'agent.tool_call' && e.payload.status === 'failed')
      expect(failed).toHaveLength(5)
      const outside = await ws.sandbox.commands.run('test -e /tmp/outside.txt && echo there || echo absent')
      expect(outside.stdout.trim()).toBe('absent')
    } finally {
      await ws.close()
    }
  })

  it('survives malformed tool arguments: the next turn sees an error result', async () => {
    const ws = await createWorkspace(files)
    try {
      openai.setScript([
        {
          toolCalls: [
            { id: 'bad-json', name: 'read', raw: '{"path": "greet.txt"' },
            { id: 'bad-shape', name: 'edit', args: { path: 'greet.txt', old_string: 'hello' } },
            { id: 'no-tool', name: 'delete_everything', args: {} },
          ],
        },
        {
          toolCalls: [
            {
              id: 'absent',
              name: 'edit',
              args: { path: 'greet.txt', old_string: 'nothing like this', new_string: 'x' },
            },
            { id: 'twice', name: 'edit', args: { path: 'test.sh', old_string: 'e', new_string: 'E' } },
          ],
        },
        { toolCalls: [{ id: 'f', name: 'finish', args: { summary: 'Gave up.', commit_type: 'chore' } }] },
      ])
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai-compatible', config: { base_url: openai.url } },
      })
      expect(run.error).toBeNull()
      const first = chatToolResults(openai.requests[1]?.body ?? {})
      expect(first.get('bad-json')).toMatch(/arguments for read were not valid JSON/)
      expect(first.get('bad-shape')).toMatch(/invalid arguments for edit:[\s\S]*new_string/)
      expect(first.get('no-tool')).toContain('there is no tool named "delete_everything"')
      const second = chatToolResults(openai.requests[2]?.body ?? {})
      expect(second.get('absent')).toContain('old_string was not found in greet.txt')
      expect(second.get('twice')).toMatch(/old_string occurs \d+ times in test.sh/)
      expect(await ws.sandbox.files.read('test.sh')).toBe(files['test.sh'])

      // The same over the Anthropic Messages API: tool_result blocks with is_error.
      anthropic.setScript([
        {
          toolCalls: [
            { id: 'toolu_bad', name: 'read', raw: '{"path": "greet.txt"' },
            { id: 'toolu_shape', name: 'edit', args: { path: 'greet.txt' } },
          ],
        },
        {
          toolCalls: [{ id: 'toolu_f', name: 'finish', args: { summary: 'Gave up.', commit_type: 'chore' } }],
        },
      ])
      const viaAnthropic = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'anthropic', llmModel: 'claude-unknown' },
        env: { ANTHROPIC_API_KEY: 'sk-ant-fake-key-abcdef', ANTHROPIC_BASE_URL: anthropic.origin },
      })
      expect(viaAnthropic.error).toBeNull()
      const sent = (anthropic.requests[1]?.body.messages ?? []) as { content: Record<string, unknown>[] }[]
      const blocks = sent.at(-1)?.content
      expect(blocks?.map((b) => [b.tool_use_id, b.is_error])).toEqual([
        ['toolu_bad', true],
        ['toolu_shape', true],
      ])
      expect(String(blocks?.[0]?.content)).toMatch(/arguments for read were not valid JSON/)
      expect(String(blocks?.[1]?.content)).toMatch(/invalid arguments for edit:[\s\S]*old_string/)
      // The SDK's warning about the unknown model goes to the terminal log, not the server's console.
      expect(viaAnthropic.log).toMatch(/anthropic\/claude-unknown: warning: .*maxOutputTokens/)
    } finally {
      await ws.close()
    }
  })

  it('retries a 429 after the time its retry-after asks, then goes on', async () => {
    const ws = await createWorkspace(files)
    try {
      openai.setScript([
        { error: { status: 429, headers: { 'retry-after': '1' } } },
        { toolCalls: [{ id: 'f', name: 'finish', args: { summary: 'Done.', commit_type: 'chore' } }] },
      ])
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai-compatible', config: { base_url: openai.url } },
      })
      expect(run.error).toBeNull()
      expect(openai.requests).toHaveLength(2)
      expect(run.durationMs).toBeGreaterThanOrEqual(1000)
      expect(run.log).toMatch(
        /rate limited[\s\S]*retrying in 1\.0 s \(as its retry-after asks\), attempt 2 of 4/,
      )
    } finally {
      await ws.close()
    }
  })

  it('fails the run with a clear message when 5xx persists, and on a context overflow at once', async () => {
    const ws = await createWorkspace(files)
    try {
      openai.setScript(() => ({ error: { status: 503 } }))
      const down = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai-compatible', config: { base_url: openai.url } },
      })
      expect(down.error?.message).toMatch(
        /openai-compatible\/fake-model failed with 503 \(after 4 attempts\): fake error 503/,
      )
      expect(openai.requests).toHaveLength(4)

      openai.setScript([
        {
          error: {
            status: 400,
            body: {
              error: {
                message: "This model's maximum context length is 128000 tokens.",
                code: 'context_length_exceeded',
              },
            },
          },
        },
      ])
      const overflow = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai-compatible', config: { base_url: openai.url } },
      })
      expect(overflow.error?.message).toMatch(/no longer fits openai-compatible\/fake-model's context window/)
      expect(openai.requests).toHaveLength(1)
    } finally {
      await ws.close()
    }
  })

  it('stops cleanly at the step, token and time limits', async () => {
    const ws = await createWorkspace(files)
    try {
      const agent = { llmProvider: 'openai-compatible', config: { base_url: openai.url } }
      openai.setScript(() => ({ toolCalls: [{ name: 'list', args: {} }] }))
      const steps = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent,
        builtin: { limits: { maxSteps: 3, maxTokens: 1e9 } },
      })
      expect(steps.error?.message).toMatch(
        /^Step limit reached: the agent made 3 model calls without calling finish \(limit 3/,
      )
      expect(openai.requests).toHaveLength(3)

      openai.setScript(() => ({
        toolCalls: [{ name: 'list', args: {} }],
        usage: { input: 400_000, output: 1000 },
      }))
      const tokens = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { ...agent, config: { ...agent.config, max_tokens: 1_000_000 } },
      })
      expect(tokens.error?.message).toMatch(/^Token limit reached: the agent used 1203000 tokens/)
      expect(openai.requests).toHaveLength(3)

      openai.setScript(() => ({ hang: true }))
      const time = await runBuiltinAgent({ sandbox: ws.sandbox, agent, timeoutMs: 1500 })
      expect(time.error?.message).toMatch(/^Time limit reached: the agent did not finish within 2 s/)
      expect(time.durationMs).toBeLessThan(5000)
    } finally {
      await ws.close()
    }
  })

  it('abandons a model that goes silent, retries, and a command stops at the time left', async () => {
    const ws = await createWorkspace(files)
    try {
      openai.setScript([
        { hang: true },
        { toolCalls: [{ id: 'slow', name: 'run', args: { command: 'sleep 30' } }] },
        { toolCalls: [{ id: 'f', name: 'finish', args: { summary: 'Done.', commit_type: 'chore' } }] },
      ])
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai-compatible', config: { base_url: openai.url } },
        builtin: { idleTimeoutMs: 300 },
        timeoutMs: 4000,
      })
      expect(run.log).toContain('timed out')
      expect(run.error?.message).toMatch(/^Time limit reached/)
      expect(run.durationMs).toBeLessThan(8000)
    } finally {
      await ws.close()
    }
  })

  it('keeps the model key out of the sandbox, the events and what the model is sent back', async () => {
    const ws = await createWorkspace(files)
    const key = 'sk-super-secret-model-key-42'
    try {
      openai.setScript([
        { toolCalls: [{ id: 'env', name: 'run', args: { command: `env; echo ${key}` } }] },
        { toolCalls: [{ id: 'f', name: 'finish', args: { summary: `Used ${key}.`, commit_type: 'chore' } }] },
      ])
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai', llmModel: 'gpt-4.1' },
        env: { OPENAI_API_KEY: key, OPENAI_BASE_URL: openai.url },
      })
      expect(run.error).toBeNull()
      expect(openai.requests[0]?.headers.authorization).toBe(`Bearer ${key}`)
      const result = chatToolResults(openai.requests[1]?.body ?? {}).get('env') ?? ''
      expect(result).not.toContain(key)
      expect(result).toContain('***')
      expect(result).not.toContain('OPENAI_API_KEY')
      expect(JSON.stringify(run.events)).not.toContain(key)
    } finally {
      await ws.close()
    }
  })

  it('reminds a model that stops talking without finish once, then takes its text as the summary', async () => {
    const ws = await createWorkspace(files)
    try {
      openai.setScript([
        { text: 'I think it is fine.' },
        { text: 'Nothing to change: the greeting is intended.' },
      ])
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai-compatible', config: { base_url: openai.url } },
      })
      expect(run.error).toBeNull()
      expect(run.result?.summary).toBe('Nothing to change: the greeting is intended.')
      expect(run.result?.commitType).toBeUndefined()
      expect(JSON.stringify(openai.requests[1]?.body.messages)).toContain('call finish')
    } finally {
      await ws.close()
    }
  })

  it('says clearly what is missing when the agent cannot reach a model', async () => {
    const ws = await createWorkspace(files)
    try {
      const noKey = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'anthropic', llmModel: 'claude-sonnet-4-5' },
      })
      expect(noKey.error?.message).toMatch(/No API key for anthropic: set ANTHROPIC_API_KEY/)
      const noUrl = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai-compatible' },
      })
      expect(noUrl.error?.message).toMatch(/needs config.base_url/)
      const noModel = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai', llmModel: '' },
        env: { OPENAI_API_KEY: 'sk-x-123456' },
      })
      expect(noModel.error?.message).toMatch(/has no model: set its llm_model/)
      const closed = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai-compatible', config: { base_url: 'http://127.0.0.1:9/v1' } },
        builtin: { retry: { maxRetries: 1, baseDelayMs: 10, maxDelayMs: 10 } },
      })
      expect(closed.error?.message).toMatch(
        /Could not reach openai-compatible\/fake-model at http:\/\/127.0.0.1:9\/v1\/chat\/completions \(after 2 attempts\)/,
      )
    } finally {
      await ws.close()
    }
  })

  it('stops at once when the run is cancelled, mid-command too', async () => {
    const ws = await createWorkspace(files)
    try {
      openai.setScript([{ toolCalls: [{ id: 'slow', name: 'run', args: { command: 'sleep 60' } }] }])
      const cancel = new AbortController()
      setTimeout(() => cancel.abort('cancelled'), 1500)
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: 'openai-compatible', config: { base_url: openai.url } },
        signal: cancel.signal,
      })
      expect(run.error?.message).toBe('Agent stopped: cancelled')
      expect(run.durationMs).toBeLessThan(10_000)
      const ps = await ws.sandbox.commands.run('ps -eo args')
      expect(ps.stdout).not.toContain('sleep 60')
    } finally {
      await ws.close()
    }
  })
})
