import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AgentEvent } from '../../../src/agents/runtime/agent-runtime.ts'
import { aider } from '../../../src/agents/runtime/cli/aider/aider.ts'
import { claudeCode } from '../../../src/agents/runtime/cli/claude-code/claude-code.ts'
import type { CliAdapter } from '../../../src/agents/runtime/cli/cli-adapter.ts'
import { codex } from '../../../src/agents/runtime/cli/codex/codex.ts'
import { geminiCli } from '../../../src/agents/runtime/cli/gemini-cli/gemini-cli.ts'
import { opencode } from '../../../src/agents/runtime/cli/opencode/opencode.ts'
import { parseOutput, sample } from './cli-samples.ts'

/** An event in one line: its kind and what identifies it. */
function brief(event: AgentEvent): string {
  switch (event.type) {
    case 'agent.message':
      return `message: ${event.payload.text}`
    case 'agent.reasoning':
      return `reasoning: ${event.payload.text}`
    case 'agent.tool_call':
      return `tool ${event.payload.status}: ${event.payload.tool} ${event.payload.call_id ?? '-'}`
    case 'agent.usage': {
      const u = event.payload
      return `usage: ${u.model ?? '-'} in=${u.input_tokens} out=${u.output_tokens} cached=${u.cached_input_tokens} $=${u.cost_usd}`
    }
  }
}

type Case = {
  adapter: CliAdapter
  file: string
  events: string[]
  result: string
  /** Lines that are not the CLI's structured output (plain-text CLIs have none: every line is read). */
  unread?: number
}

/** One recorded run per CLI and what it means; every parser runs the same checks below. */
const cases: Case[] = [
  {
    adapter: claudeCode,
    file: 'claude-code.jsonl',
    events: [
      'reasoning: The greeting is in README.md; read it before editing.',
      "message: I'll look at the README first.",
      'tool started: Read toolu_01Read',
      'tool succeeded: Read toolu_01Read',
      'tool started: Edit toolu_02Edit',
      'tool succeeded: Edit toolu_02Edit',
      'tool started: Bash toolu_03Bash',
      'tool failed: Bash toolu_03Bash',
      'message: Replaced the greeting in README.md: it now says goodbye world instead of hello world.',
      'usage: claude-sonnet-4-5-20250929 in=26 out=316 cached=54632 $=0.0378',
    ],
    result: 'Replaced the greeting in README.md: it now says goodbye world instead of hello world.',
  },
  {
    adapter: codex,
    file: 'codex.jsonl',
    events: [
      'reasoning: **Finding the greeting in the README**',
      'tool started: command_execution item_1',
      'tool succeeded: command_execution item_1',
      'tool succeeded: file_change item_2',
      'tool started: command_execution item_3',
      'tool failed: command_execution item_3',
      'message: Changed the greeting in README.md from hello world to goodbye world. There is no test suite to run.',
      'usage: - in=21480 out=412 cached=19200 $=null',
    ],
    result:
      'Changed the greeting in README.md from hello world to goodbye world. There is no test suite to run.',
  },
  {
    adapter: opencode,
    file: 'opencode.jsonl',
    events: [
      'reasoning: The greeting is in README.md.',
      'tool succeeded: read toolu_01',
      'usage: - in=9800 out=95 cached=0 $=0.0123',
      'tool succeeded: edit toolu_02',
      'tool failed: bash toolu_03',
      'usage: - in=10100 out=140 cached=9600 $=0.0141',
      'message: Updated README.md so the greeting says goodbye world.',
      'usage: - in=10300 out=22 cached=10000 $=0.0052',
    ],
    result: 'Updated README.md so the greeting says goodbye world.',
  },
  {
    adapter: geminiCli,
    file: 'gemini-cli.jsonl',
    events: [
      "message: I'll update the greeting in README.md.",
      'tool started: replace replace-1795740002000-1',
      'tool succeeded: replace replace-1795740002000-1',
      'tool started: run_shell_command run_shell_command-1795740003000-2',
      'tool failed: run_shell_command run_shell_command-1795740003000-2',
      'message: The README now greets with goodbye world; there is no changelog to update.',
      'usage: gemini-2.5-pro in=15100 out=320 cached=8200 $=null',
    ],
    result: 'The README now greets with goodbye world; there is no changelog to update.',
  },
  {
    adapter: aider,
    file: 'aider.txt',
    events: [
      "message: I'll change the greeting in README.md.\n\nThe greeting now says goodbye world.",
      'usage: gpt-4o in=2100 out=85 cached=1000 $=0.0061',
      'tool succeeded: edit -',
    ],
    result: "I'll change the greeting in README.md.\n\nThe greeting now says goodbye world.",
  },
]

/** Lines no parser can read: not JSON, cut short, the wrong JSON type, binary noise. */
const garbage = [
  'not json at all',
  '{"type":"assistant","message":',
  '[1,2,3]',
  '{',
  '\u0000\u0001\u0002',
  '',
]

describe.each(cases)('$adapter.displayName output parser', ({ adapter, file, events, result }) => {
  const output = sample(file)

  it('turns a recorded run into conversation events, in order, and its result into the summary', () => {
    const parsed = parseOutput(adapter, output)
    expect(parsed.events.map(brief)).toEqual(events)
    expect(parsed.outcome).toEqual({ result, error: null })
    for (const event of parsed.events) expect(event.payload.runtime).toBe(adapter.provider)
    if (!adapter.plainText) expect(parsed.unread).toEqual([])
  })

  it('reads the same events however the output is cut into chunks (lines split across reads)', () => {
    const whole = parseOutput(adapter, output)
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: output.length - 1 }), { maxLength: 40 }),
        (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), output.length]
          const chunks = points.slice(1).map((end, i) => output.slice(points[i], end))
          const chunked = parseOutput(adapter, output, chunks)
          expect(chunked.events).toEqual(whole.events)
          expect(chunked.outcome).toEqual(whole.outcome)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('tolerates malformed lines between the real ones, without a throw or a change of meaning', () => {
    if (adapter.plainText) return // Every line of plain text is prose to Aider; see its own cases below.
    const lines = output.split('\n')
    const noisy = lines.flatMap((line, i) => [garbage[i % garbage.length] as string, line]).join('\n')
    const parsed = parseOutput(adapter, noisy)
    expect(parsed.events.map(brief)).toEqual(events)
    expect(parsed.outcome.result).toBe(result)
    expect(parsed.unread.filter(Boolean)).toEqual(
      lines.map((_, i) => garbage[i % garbage.length]).filter((line): line is string => Boolean(line)),
    )
  })

  it('tolerates JSON of unexpected shapes (missing fields, wrong types, unknown types)', () => {
    if (adapter.plainText) return
    const odd = [
      '{"type":"assistant"}',
      '{"type":"assistant","message":{"content":"not an array"}}',
      '{"type":"user","message":{"content":[{"type":"tool_result"}]}}',
      '{"type":"item.completed","item":null}',
      '{"type":"item.completed","item":{"type":"command_execution","exit_code":"zero"}}',
      '{"type":"tool_use","part":{"state":7}}',
      '{"type":"message","role":"assistant","content":42}',
      '{"type":"tool_result","tool_id":null}',
      '{"type":"something.new","payload":{"x":1}}',
      '{"type":null}',
    ]
    const parser = adapter.parser()
    for (const line of odd) expect(() => parser.line(line)).not.toThrow()
    expect(() => parser.finish()).not.toThrow()
  })

  it('has no result when the run stops before its end', () => {
    const lines = output.trimEnd().split('\n')
    const cut = lines.slice(0, Math.ceil(lines.length / 2)).join('\n')
    expect(parseOutput(adapter, cut).outcome.result).toBeNull()
  })
})

describe('failures the CLIs report', () => {
  it('Claude Code: an error result fails the run with its text', () => {
    const line =
      '{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":30,"result":"","total_cost_usd":0.5,"usage":{"input_tokens":1,"output_tokens":2}}'
    const parsed = parseOutput(claudeCode, `${line}\n`)
    expect(parsed.outcome).toEqual({ result: null, error: 'the run ended with error_max_turns' })
    expect(parsed.events.map(brief)).toEqual(['usage: - in=1 out=2 cached=null $=0.5'])
    const apiError =
      '{"type":"result","subtype":"success","is_error":true,"result":"Invalid API key · Please run /login"}'
    expect(parseOutput(claudeCode, apiError).outcome.error).toBe('Invalid API key · Please run /login')
  })

  it('Codex: turn.failed is the failure; an error event before a completed turn is only a notice', () => {
    const failed = [
      '{"type":"thread.started","thread_id":"t"}',
      '{"type":"turn.started"}',
      '{"type":"turn.failed","error":{"message":"401 Unauthorized"}}',
    ].join('\n')
    expect(parseOutput(codex, failed).outcome).toEqual({ result: null, error: '401 Unauthorized' })
    const recovered = [
      '{"type":"error","message":"Reconnecting... 1/5"}',
      '{"type":"item.completed","item":{"id":"i","type":"agent_message","text":"done"}}',
      '{"type":"turn.completed","usage":{"input_tokens":1,"cached_input_tokens":0,"output_tokens":1}}',
    ].join('\n')
    const parsed = parseOutput(codex, recovered)
    expect(parsed.outcome).toEqual({
      result: 'done',
      error: null,
      warnings: ['Codex retried its model stream 1 time(s); last: Reconnecting... 1/5'],
    })
    expect(parsed.notes).toEqual(['Codex: Reconnecting... 1/5'])
    expect(parseOutput(codex, '{"type":"error","message":"stream closed"}').outcome.error).toBe(
      'stream closed',
    )
  })

  it('OpenCode: an error event is the failure', () => {
    const line =
      '{"type":"error","sessionID":"s","error":{"name":"ProviderAuthError","data":{"message":"No API key"}}}'
    expect(parseOutput(opencode, line).outcome).toEqual({ result: null, error: 'No API key' })
  })

  it('Gemini CLI: an error result is the failure; warnings are notes', () => {
    const lines = [
      '{"type":"error","severity":"warning","message":"slow"}',
      '{"type":"result","status":"error","error":{"type":"FatalAuthenticationError","message":"API key not valid"}}',
    ].join('\n')
    const parsed = parseOutput(geminiCli, lines)
    expect(parsed.outcome).toEqual({ result: null, error: 'API key not valid' })
    expect(parsed.notes).toEqual(['Gemini CLI warning: slow'])
  })

  it('Aider: no Tokens line means no reply; the last error line says why', () => {
    const text = [
      'Aider v0.86.1',
      'Main model: gpt-4o with diff edit format',
      'litellm.AuthenticationError: AuthenticationError: OpenAIException - Incorrect API key provided',
      'The API provider is not able to authenticate you. Check your API key.',
    ].join('\n')
    expect(parseOutput(aider, text).outcome).toEqual({
      result: null,
      error: 'litellm.AuthenticationError: AuthenticationError: OpenAIException - Incorrect API key provided',
    })
  })

  it('Aider: a rejected edit is a failed edit; the confirmation prompts and commits are not prose', () => {
    const text = [
      "Add file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]: y",
      'Done, see below.',
      'Tokens: 1,250 sent, 1.2M received.',
      'Did not apply edit to src/app.ts (--dry-run)',
      'Commit 1a2b3c4 fix: something',
    ].join('\n')
    const parsed = parseOutput(aider, text)
    expect(parsed.events.map(brief)).toEqual([
      'message: Done, see below.',
      'usage: - in=1250 out=1200000 cached=null $=null',
      'tool failed: edit -',
    ])
    expect(parsed.events[2]?.payload).toMatchObject({ input: { path: 'src/app.ts' } })
  })
})
