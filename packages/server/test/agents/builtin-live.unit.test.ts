import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createWorkspace, hasBwrap, runBuiltinAgent } from './agent-harness.ts'

/**
 * Smoke tests against the real model APIs. They run only when a key is in the environment (they
 * cost a few cents) and skip otherwise, saying why in their name. Models: SQUAD_LIVE_OPENAI_MODEL
 * (default gpt-4.1-mini), SQUAD_LIVE_ANTHROPIC_MODEL (default claude-haiku-4-5).
 */
const live = [
  {
    provider: 'openai',
    variable: 'OPENAI_API_KEY',
    model: process.env.SQUAD_LIVE_OPENAI_MODEL ?? 'gpt-4.1-mini',
    base: 'OPENAI_BASE_URL',
  },
  {
    provider: 'anthropic',
    variable: 'ANTHROPIC_API_KEY',
    model: process.env.SQUAD_LIVE_ANTHROPIC_MODEL ?? 'claude-haiku-4-5',
    base: 'ANTHROPIC_BASE_URL',
  },
] as const

for (const { provider, variable, model, base } of live) {
  const key = process.env[variable]
  const why = !key ? `${variable} is not set` : !hasBwrap ? 'bubblewrap is not installed' : null
  describe.skipIf(why)(`live ${provider} (${model})${why ? ` — skipped: ${why}` : ''}`, () => {
    let ws: Awaited<ReturnType<typeof createWorkspace>>
    beforeAll(async () => {
      ws = await createWorkspace({
        'greet.txt': 'hello world\n',
        'test.sh':
          'grep -q "goodbye world" greet.txt && echo ok || { echo "greet.txt must say goodbye world" >&2; exit 1; }\n',
      })
    })
    afterAll(async () => {
      await ws?.close()
    })

    it('edits a file so that the tests pass, and calls finish', { timeout: 180_000 }, async () => {
      const env: Record<string, string> = { [variable]: key ?? '' }
      const baseUrl = process.env[base]
      if (baseUrl) env[base] = baseUrl
      const run = await runBuiltinAgent({
        sandbox: ws.sandbox,
        agent: { llmProvider: provider, llmModel: model },
        env,
        task: {
          title: 'Make the greeting say goodbye',
          description: 'greet.txt says "hello world"; it should say "goodbye world". `sh test.sh` checks it.',
        },
        builtin: { limits: { maxSteps: 15, maxTokens: 200_000 } },
        timeoutMs: 150_000,
      })
      expect(run.error, run.log).toBeNull()
      expect(await ws.sandbox.files.read('greet.txt')).toContain('goodbye world')
      expect(run.result?.commitType).toBeTruthy()
      expect(run.result?.usage?.input_tokens).toBeGreaterThan(0)
      expect(run.events.some((e) => e.type === 'agent.tool_call')).toBe(true)
      expect(JSON.stringify(run.events)).not.toContain(key)
    })
  })
}
