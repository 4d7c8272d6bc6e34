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
 * Permissions: in `-p` mode a tool that needs approval is refused without a word and the run still
 * exits 0, so the mode is explicit: `acceptEdits` (file edits) plus `Bash` allowed (to build and test).
 * What it still refuses (e.g. WebFetch) is listed in the result's `permission_denials`, which fails
 * the run with that list. `--dangerously-skip-permissions` is not used: it refuses to start as root.
 *
 * `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC` stops its own lookups (update checks, telemetry, error
 * reports); a malformed model stream is retried (reported as `system`/`api_retry` lines).
 */
export const claudeCode: CliAdapter = {
  provider: 'claude-code',
  displayName: 'Claude Code',
  binary: 'claude',
  installHint: 'npm install -g @anthropic-ai/claude-code',
  expectedResult: 'a final {"type":"result"} line',
  protocol: () => 'anthropic-messages',
  keyVariables: () => [{ env: 'ANTHROPIC_API_KEY' }],
  setup: ({ baseUrl }) => ({
    env: {
      ...(baseUrl ? { ANTHROPIC_BASE_URL: baseUrl } : {}),
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
    },
    files: {},
  }),
  args: ({ model }) => [
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    '--permission-mode',
    'acceptEdits',
    '--allowedTools',
    'Bash',
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
  const denied = new Map<string, string>()
  const warnings: string[] = []
  // The same refusal comes twice: as it happens (with the reason) and in the result's list.
  const deny = (id: string | null, tool: string | null, why: string | null) => {
    const key = id ?? `#${denied.size}`
    if (!denied.has(key)) denied.set(key, `${tool ?? 'a tool'}${why ? `: ${why}` : ''}`)
  }

  return {
    line(text) {
      const line = parseJsonObject(text)
      if (!line) return null
      const events: AgentEvent[] = []
      const message = obj(line.message)
      switch (line.type) {
        case 'system':
          if (line.subtype === 'permission_denied') {
            deny(str(line.tool_use_id), str(line.tool_name), str(line.message))
            return {
              events,
              note: `Claude Code refused ${str(line.tool_name) ?? 'a tool'}: ${str(line.message) ?? ''}`,
            }
          }
          if (line.subtype === 'api_retry') {
            const why =
              str(line.error) ?? (num(line.error_status) !== null ? `HTTP ${line.error_status}` : 'an error')
            const note = `Claude Code retried its model request (attempt ${num(line.attempt) ?? '?'} of ${num(line.max_retries) ?? '?'}) after ${why}`
            warnings.push(note)
            return { events, note }
          }
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
          for (const denial of arr(line.permission_denials).map(obj))
            deny(str(denial.tool_use_id), str(denial.tool_name), null)
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
    finish: () => ({
      result,
      error,
      ...(warnings.length ? { warnings: retriesSummed(warnings) } : {}),
      ...(denied.size ? { denied: [...denied.values()] } : {}),
    }),
  }
}

/** Ten retry notes say one thing: the last one, with how many there were. */
const retriesSummed = (warnings: string[]) =>
  warnings.length > 1 ? [`${warnings.at(-1)}; ${warnings.length} retries in all`] : warnings
