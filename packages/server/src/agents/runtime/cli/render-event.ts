import type { AgentEvent } from '../agent-runtime.ts'

const MAX_OUTPUT_LINES = 12
const MAX_LINE_CHARS = 400

const clip = (text: string, max = MAX_LINE_CHARS) => (text.length > max ? `${text.slice(0, max)}…` : text)

/** A tool's input in one line: its command or path when it has one, else compact JSON. */
function describeInput(input: unknown): string {
  if (input && typeof input === 'object' && !Array.isArray(input)) {
    const fields = input as Record<string, unknown>
    for (const key of ['command', 'cmd', 'file_path', 'path', 'filePath', 'pattern', 'query', 'url'])
      if (typeof fields[key] === 'string') return clip(fields[key] as string)
  }
  if (input === null || input === undefined) return ''
  return clip(JSON.stringify(input))
}

/** The first lines of a tool's output, indented, saying how much was left out. */
function excerpt(output: string): string {
  const lines = output.replace(/\s+$/, '').split('\n')
  if (lines.length === 1 && !lines[0]) return ''
  const shown = lines.slice(0, MAX_OUTPUT_LINES).map((line) => `    ${clip(line)}`)
  if (lines.length > MAX_OUTPUT_LINES) shown.push(`    … ${lines.length - MAX_OUTPUT_LINES} more lines`)
  return `${shown.join('\n')}\n`
}

/**
 * How a conversation event reads in the terminal log, for CLIs whose raw output is JSON: the
 * agent's words as written, tool calls as one line with an excerpt of their output. It is written
 * as the command's stdout: a `system` line in the middle of a command would release the redactor's
 * held-back tail of the other stream early.
 */
export function renderEvent(event: AgentEvent): string {
  switch (event.type) {
    case 'agent.message':
      return `${event.payload.text.replace(/\s+$/, '')}\n`
    case 'agent.reasoning':
      return `(thinking) ${event.payload.text.replace(/\s+$/, '')}\n`
    case 'agent.tool_call': {
      const { tool, input, status, output } = event.payload
      const what = describeInput(input)
      const line = `${tool}${what ? ` ${what}` : ''}`
      if (status === 'started') return `▸ ${line}\n`
      const mark = status === 'failed' ? '✗' : '✓'
      return `${mark} ${line}\n${excerpt(output ?? '')}`
    }
    case 'agent.usage': {
      const { input_tokens, output_tokens, cost_usd } = event.payload
      const parts = [
        input_tokens !== null ? `${input_tokens.toLocaleString('en-US')} tokens in` : null,
        output_tokens !== null ? `${output_tokens.toLocaleString('en-US')} out` : null,
        cost_usd !== null ? `$${cost_usd.toFixed(4)}` : null,
      ].filter(Boolean)
      return parts.length ? `usage: ${parts.join(', ')}\n` : ''
    }
  }
}
