import type { AgentEvent } from '../../agent-runtime.ts'
import { type CliAdapter, type CliOutputParser, PROMPT } from '../cli-adapter.ts'
import { conversationOf, toolCallRegistry } from '../conversation.ts'
import { arr, num, obj, parseJsonObject, str, textOf } from '../json-fields.ts'

/**
 * Claude Code in headless mode: `claude -p --output-format stream-json --verbose PROMPT`. Each line
 * is one message: `system` (subtype `init`: session id, model, tools), `assistant` (content blocks
 * `text`, `thinking`, `tool_use`), `user` (content blocks `tool_result`), and last `result` (the final
 * text in `result`, `is_error`, `usage`, `total_cost_usd`).
 *
 * Permissions are skipped: nobody is there to answer a prompt, and the squad's sandbox is the boundary.
 */
export const claudeCode: CliAdapter = {
  provider: 'claude-code',
  displayName: 'Claude Code',
  binary: 'claude',
  installHint: 'npm install -g @anthropic-ai/claude-code',
  expectedResult: 'a final {"type":"result"} line',
  keyVariables: () => [{ env: 'ANTHROPIC_API_KEY' }],
  args: ({ model }) => [
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    '--dangerously-skip-permissions',
    ...(model ? ['--model', model] : []),
    PROMPT,
  ],
  parser: parseClaudeCode,
}

export function parseClaudeCode(): CliOutputParser {
  const say = conversationOf('claude-code')
  const tools = toolCallRegistry()
  let model: string | null = null
  let result: string | null = null
  let error: string | null = null

  return {
    line(text) {
      const line = parseJsonObject(text)
      if (!line) return null
      const events: AgentEvent[] = []
      const message = obj(line.message)
      switch (line.type) {
        case 'system':
          if (line.subtype !== 'init') return { events }
          model = str(line.model)
          return {
            events,
            note: `Claude Code session ${str(line.session_id) ?? '?'} (model ${model ?? 'default'})`,
          }
        case 'assistant':
          for (const block of arr(message.content).map(obj)) {
            if (block.type === 'text' && str(block.text)?.trim())
              events.push(say.message(str(block.text) ?? ''))
            else if (block.type === 'thinking' && str(block.thinking)?.trim())
              events.push(say.reasoning(str(block.thinking) ?? ''))
            else if (block.type === 'tool_use') {
              const id = str(block.id)
              const tool = str(block.name) ?? 'unknown'
              tools.started(id, tool, block.input ?? null)
              events.push(
                say.toolCall({
                  call_id: id,
                  tool,
                  input: block.input ?? null,
                  status: 'started',
                  output: null,
                }),
              )
            }
          }
          return { events }
        case 'user':
          for (const block of arr(message.content).map(obj)) {
            if (block.type !== 'tool_result') continue
            const id = str(block.tool_use_id)
            const call = tools.finished(id)
            events.push(
              say.toolCall({
                call_id: id,
                ...call,
                status: block.is_error === true ? 'failed' : 'succeeded',
                output: textOf(block.content),
              }),
            )
          }
          return { events }
        case 'result': {
          const usage = obj(line.usage)
          events.push(
            say.usage({
              model,
              input_tokens: num(usage.input_tokens),
              output_tokens: num(usage.output_tokens),
              cached_input_tokens: num(usage.cache_read_input_tokens),
              cost_usd: num(line.total_cost_usd),
            }),
          )
          if (line.is_error === true || (line.subtype !== undefined && line.subtype !== 'success'))
            error = str(line.result) || `the run ended with ${str(line.subtype) ?? 'an error'}`
          else result = str(line.result) ?? ''
          return { events }
        }
        default:
          // stream_event (partial messages) and future types carry nothing new for the conversation.
          return { events }
      }
    },
    finish: () => ({ result, error }),
  }
}
