import type { AgentEvent } from '../../agent-runtime.ts'
import { type CliAdapter, type CliOutputParser, PROMPT } from '../cli-adapter.ts'
import { conversationOf } from '../conversation.ts'
import { arr, num, obj, parseJsonObject, str, textOf } from '../json-fields.ts'

/**
 * Codex CLI non-interactive: `codex exec --json PROMPT`. JSONL events: `thread.started`,
 * `turn.started`, `item.started` / `item.updated` / `item.completed` (items `agent_message`,
 * `reasoning`, `command_execution`, `file_change`, `mcp_tool_call`, `web_search`, `todo_list`,
 * `error`), then `turn.completed` (usage) or `turn.failed`, and `error` for a fatal stream error.
 * The summary is the last `agent_message` of the completed turn.
 *
 * `--dangerously-bypass-approvals-and-sandbox`: exec is read-only by default, and Codex's own sandbox
 * (Landlock, user namespaces) would nest inside the squad's, which is the boundary; exec never asks
 * for approval. A base URL becomes a model provider of its own in the run's `~/.codex/config.toml`
 * (Responses API, the key read from the variable it is handed over in). `--disable plugins` and
 * `check_for_update_on_startup = false` stop its outside lookups; analytics are off.
 */
export const codex: CliAdapter = {
  provider: 'codex',
  displayName: 'Codex CLI',
  binary: 'codex',
  installHint: 'npm install -g @openai/codex',
  expectedResult: 'a {"type":"turn.completed"} line',
  // `codex exec` reads CODEX_API_KEY; the key usually lives in OPENAI_API_KEY.
  protocol: () => 'openai-responses',
  keyVariables: () => [{ env: 'OPENAI_API_KEY', also: ['CODEX_API_KEY'] }, { env: 'CODEX_API_KEY' }],
  setup: ({ baseUrl, keyEnv }) => ({
    env: {},
    files: { '.codex/config.toml': codexConfig(baseUrl, keyEnv) },
  }),
  args: ({ model }) => [
    'exec',
    '--json',
    '--dangerously-bypass-approvals-and-sandbox',
    '--skip-git-repo-check',
    '--disable',
    'plugins',
    '-c',
    'check_for_update_on_startup=false',
    ...(model ? ['--model', model] : []),
    PROMPT,
  ],
  parser: parseCodex,
}

/** A TOML string: JSON's escapes are TOML's for a basic string. */
const toml = (value: string) => JSON.stringify(value)

/** The run's Codex config: no update check, no analytics, and the base URL as a provider of its own. */
function codexConfig(baseUrl: string | null, keyEnv: string): string {
  const lines = ['check_for_update_on_startup = false', '']
  if (baseUrl) lines.unshift(`model_provider = "squad"`)
  lines.push('[analytics]', 'enabled = false', '')
  if (baseUrl)
    lines.push(
      '[model_providers.squad]',
      'name = "squad"',
      `base_url = ${toml(baseUrl)}`,
      `env_key = ${toml(keyEnv)}`,
      'wire_api = "responses"',
      '',
    )
  return lines.join('\n')
}

const toolName = (item: Record<string, unknown>) =>
  item.type === 'mcp_tool_call'
    ? `${str(item.server) ?? 'mcp'}.${str(item.tool) ?? 'tool'}`
    : (str(item.type) ?? 'unknown')

const toolInput = (item: Record<string, unknown>): unknown => {
  switch (item.type) {
    case 'command_execution':
      return { command: str(item.command) }
    case 'file_change':
      return { changes: arr(item.changes) }
    case 'mcp_tool_call':
      return item.arguments ?? null
    case 'web_search':
      return { query: str(item.query) }
    default:
      return null
  }
}

const isTool = (type: unknown) =>
  type === 'command_execution' || type === 'file_change' || type === 'mcp_tool_call' || type === 'web_search'

function toolOutcome(item: Record<string, unknown>): { failed: boolean; output: string } {
  switch (item.type) {
    case 'command_execution': {
      const exit = item.exit_code
      const failed =
        item.status === 'failed' || item.status === 'declined' || (typeof exit === 'number' && exit !== 0)
      return { failed, output: str(item.aggregated_output) ?? '' }
    }
    case 'file_change':
      return {
        failed: item.status === 'failed',
        output: arr(item.changes)
          .map(obj)
          .map((c) => `${str(c.kind) ?? 'update'} ${str(c.path) ?? '?'}`)
          .join('\n'),
      }
    case 'mcp_tool_call': {
      const failure = str(obj(item.error).message)
      return {
        failed: item.status === 'failed' || failure !== null,
        output: failure ?? textOf(obj(item.result).content),
      }
    }
    default:
      return { failed: item.status === 'failed', output: '' }
  }
}

export function parseCodex(): CliOutputParser {
  const say = conversationOf('codex')
  let lastMessage: string | null = null
  let result: string | null = null
  let turnError: string | null = null
  // A top-level `error` may be a retry notice the turn recovers from: fatal only without a result.
  let streamError: string | null = null
  const retries: string[] = []

  return {
    line(text) {
      const line = parseJsonObject(text)
      if (!line) return null
      const events: AgentEvent[] = []
      const item = obj(line.item)
      const id = str(item.id)
      switch (line.type) {
        case 'thread.started':
          return { events, note: `Codex thread ${str(line.thread_id) ?? '?'}` }
        case 'item.started':
          if (isTool(item.type))
            events.push(
              say.toolCall({
                call_id: id,
                tool: toolName(item),
                input: toolInput(item),
                status: 'started',
                output: null,
              }),
            )
          return { events }
        case 'item.completed':
          if (item.type === 'agent_message') {
            lastMessage = str(item.text) ?? ''
            events.push(say.message(lastMessage))
          } else if (item.type === 'reasoning') events.push(say.reasoning(str(item.text) ?? ''))
          else if (isTool(item.type)) {
            const outcome = toolOutcome(item)
            events.push(
              say.toolCall({
                call_id: id,
                tool: toolName(item),
                input: toolInput(item),
                status: outcome.failed ? 'failed' : 'succeeded',
                output: outcome.output,
              }),
            )
          } else if (item.type === 'error') return { events, note: `Codex: ${str(item.message) ?? 'error'}` }
          return { events }
        case 'turn.completed': {
          const usage = obj(line.usage)
          events.push(
            say.usage({
              input_tokens: num(usage.input_tokens),
              output_tokens: num(usage.output_tokens),
              cached_input_tokens: num(usage.cached_input_tokens),
            }),
          )
          result = lastMessage ?? ''
          return { events }
        }
        case 'turn.failed':
          turnError = str(obj(line.error).message) ?? 'the turn failed'
          return { events }
        case 'error':
          streamError = str(line.message) ?? 'the event stream failed'
          // "Reconnecting... 2/5 (stream disconnected …)": the model stream broke and was retried.
          if (streamError.startsWith('Reconnecting')) retries.push(streamError)
          return { events, note: `Codex: ${streamError}` }
        default:
          return { events }
      }
    },
    finish: () => ({
      result,
      error: turnError ?? (result === null ? streamError : null),
      ...(retries.length
        ? { warnings: [`Codex retried its model stream ${retries.length} time(s); last: ${retries.at(-1)}`] }
        : {}),
    }),
  }
}
