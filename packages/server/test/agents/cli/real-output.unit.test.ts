import { describe, expect, it } from 'vitest'
import { claudeCode } from '../../../src/agents/runtime/cli/claude-code/claude-code.ts'
import type { CliAdapter } from '../../../src/agents/runtime/cli/cli-adapter.ts'
import { codex } from '../../../src/agents/runtime/cli/codex/codex.ts'
import { geminiCli } from '../../../src/agents/runtime/cli/gemini-cli/gemini-cli.ts'
import { opencode } from '../../../src/agents/runtime/cli/opencode/opencode.ts'
import { pinnedCli } from '../../../src/agents/toolchain/cli-versions.ts'
import { parseOutput, sample } from './cli-samples.ts'

/**
 * The parsers on output recorded from the real CLIs at their pinned versions (samples/real/, named
 * `<cli>-<version>…`; recorded by `node bench/agent-clis.ts --record` against the fake model servers
 * of test/agents/fakes, and by hand for the broken stream and the refused tool). The hand-written
 * samples beside them stay for what a fake model cannot make a real CLI print (reasoning, several
 * tools, a failed command) and for Aider, which is not on npm.
 */
const real = (adapter: CliAdapter, suffix = '') => {
  const cli = pinnedCli(adapter.provider)
  if (!cli) throw new Error(`${adapter.provider} is not pinned`)
  return sample(`real/${cli.name}-${cli.version}${suffix}.jsonl`)
}

/** Cases named after their CLI, for the test titles. */
const named = <T extends unknown[]>(cases: readonly (readonly [CliAdapter, ...T])[]) =>
  cases.map(([adapter, ...rest]) => ({ name: adapter.displayName, adapter, rest }))

const kinds = (adapter: CliAdapter, output: string) =>
  parseOutput(adapter, output).events.map((e) =>
    e.type === 'agent.tool_call' ? `tool ${e.payload.status}: ${e.payload.tool}` : e.type,
  )

describe('parsers on the real CLIs’ output', () => {
  it.each(
    named<[string[]]>([
      [claudeCode, ['tool started: Write', 'tool succeeded: Write', 'agent.message', 'agent.usage']],
      [
        codex,
        [
          'tool started: command_execution',
          'tool succeeded: command_execution',
          'agent.message',
          'agent.usage',
        ],
      ],
      [opencode, ['tool succeeded: write', 'agent.usage', 'agent.message', 'agent.usage']],
      [geminiCli, ['tool started: write_file', 'tool succeeded: write_file', 'agent.message', 'agent.usage']],
    ]),
  )('$name: the write, the final message and the usage, in order', ({ adapter, rest: [events] }) => {
    const output = real(adapter)
    const parsed = parseOutput(adapter, output)
    expect(kinds(adapter, output)).toEqual(events)
    expect(parsed.outcome).toEqual({ result: 'Wrote hello.txt.', error: null })
    expect(parsed.unread).toEqual([])
    const write = parsed.events.find((e) => e.type === 'agent.tool_call' && e.payload.status === 'succeeded')
    expect(write?.type === 'agent.tool_call' && JSON.stringify(write.payload.input)).toContain('hello')
    // The fake model's usage (120 + 140 in, 30 + 12 out) as each CLI reports it.
    const usage = parsed.events.filter((e) => e.type === 'agent.usage').map((e) => e.payload)
    expect(usage.reduce((n, u) => n + (u.input_tokens ?? 0), 0)).toBe(260)
    expect(usage.reduce((n, u) => n + (u.output_tokens ?? 0), 0)).toBe(42)
  })

  it('Claude Code: a refused tool is listed, with its reason, though the CLI ends "success"', () => {
    const parsed = parseOutput(claudeCode, real(claudeCode, '-denied'))
    expect(parsed.outcome.denied).toEqual([
      "WebFetch: Claude requested permissions to use WebFetch, but you haven't granted it yet.",
    ])
    expect(parsed.outcome.result).toBe('Wrote hello.txt.')
    expect(
      parsed.events.find((e) => e.type === 'agent.tool_call' && e.payload.status === 'failed')?.payload,
    ).toMatchObject({ tool: 'WebFetch' })
  })

  it.each(
    named<[RegExp, RegExp | undefined]>([
      [claudeCode, /^API Error: API returned an empty or malformed response/, undefined],
      [codex, /^stream disconnected before completion/, /^Codex retried its model stream 5 time\(s\)/],
      [opencode, /^JSON parsing failed/, /^OpenCode retried a model request 5 time\(s\)/],
      [geminiCli, /^\[API Error: Incomplete JSON segment/, undefined],
    ]),
  )(
    '$name: a broken model stream is a failure with the CLI’s words',
    ({ adapter, rest: [error, warning] }) => {
      const { outcome } = parseOutput(adapter, real(adapter, '-broken-stream'))
      expect(outcome.result).toBeNull()
      expect(outcome.error).toMatch(error)
      if (warning) expect(outcome.warnings?.[0]).toMatch(warning)
      else expect(outcome.warnings).toBeUndefined()
    },
  )
})
