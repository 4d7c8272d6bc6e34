import type { AgentEvent } from '../../agent-runtime.ts'
import { type CliAdapter, type CliOutputParser, PROMPT } from '../cli-adapter.ts'
import { conversationOf, toolCallRegistry } from '../conversation.ts'
import { num, obj, parseJsonObject, str } from '../json-fields.ts'

/**
 * Gemini CLI headless: `gemini --prompt PROMPT --output-format stream-json --yolo`. JSONL events:
 * `init` (session_id, model), `message` (role `user` or `assistant`, `content`, `delta: true` for a
 * chunk of a streamed message), `tool_use` (tool_name, tool_id, parameters), `tool_result` (tool_id,
 * status `success` or `error`, output, error), `error` (severity, message), and last `result`
 * (status, error, stats with token counts). The summary is the assistant's last message.
 *
 * `--yolo` approves every tool call: nobody is there to answer, and the squad's sandbox is the boundary.
 * The run's `~/.gemini/settings.json` selects the API key as the auth method (without it: "Invalid
 * auth method selected.", exit 41) and turns usage statistics, telemetry and update checks off; a base
 * URL goes in `GOOGLE_GEMINI_BASE_URL`, and the workspace is trusted (`GEMINI_CLI_TRUST_WORKSPACE`:
 * headless runs refuse an untrusted folder).
 */
export const geminiCli: CliAdapter = {
  provider: 'gemini-cli',
  displayName: 'Gemini CLI',
  binary: 'gemini',
  installHint: 'npm install -g @google/gemini-cli',
  expectedResult: 'a final {"type":"result"} line',
  protocol: () => 'gemini',
  keyVariables: () => [{ env: 'GEMINI_API_KEY' }, { env: 'GOOGLE_API_KEY' }],
  setup: ({ baseUrl }) => ({
    env: { ...(baseUrl ? { GOOGLE_GEMINI_BASE_URL: baseUrl } : {}), GEMINI_CLI_TRUST_WORKSPACE: 'true' },
    files: { '.gemini/settings.json': `${JSON.stringify(geminiSettings, null, 2)}\n` },
  }),
  args: ({ model }) => [
    '--output-format',
    'stream-json',
    '--yolo',
    ...(model ? ['--model', model] : []),
    '--prompt',
    PROMPT,
  ],
  parser: parseGeminiCli,
}

const geminiSettings = {
  security: { auth: { selectedType: 'gemini-api-key' } },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  general: { disableAutoUpdate: true, disableUpdateNag: true },
}

export function parseGeminiCli(): CliOutputParser {
  const say = conversationOf('gemini-cli')
  const tools = toolCallRegistry()
  let model: string | null = null
  // Assistant text arrives in delta chunks: one message is what comes between two other events.
  let streaming = ''
  let lastMessage: string | null = null
  let result: string | null = null
  let error: string | null = null

  const endMessage = (events: AgentEvent[]) => {
    if (streaming.trim()) {
      lastMessage = streaming
      events.push(say.message(streaming))
    }
    streaming = ''
  }

  return {
    line(text) {
      const line = parseJsonObject(text)
      if (!line) return null
      const events: AgentEvent[] = []
      if (line.type === 'message' && line.role === 'assistant') {
        if (line.delta !== true) endMessage(events)
        streaming += str(line.content) ?? ''
        if (line.delta !== true) endMessage(events)
        return { events }
      }
      endMessage(events)
      switch (line.type) {
        case 'init':
          model = str(line.model)
          return {
            events,
            note: `Gemini CLI session ${str(line.session_id) ?? '?'} (model ${model ?? 'default'})`,
          }
        case 'tool_use': {
          const id = str(line.tool_id)
          const tool = str(line.tool_name) ?? 'unknown'
          tools.started(id, tool, line.parameters ?? null)
          events.push(
            say.toolCall({
              call_id: id,
              tool,
              input: line.parameters ?? null,
              status: 'started',
              output: null,
            }),
          )
          return { events }
        }
        case 'tool_result': {
          const id = str(line.tool_id)
          const failed = line.status === 'error'
          events.push(
            say.toolCall({
              call_id: id,
              ...tools.finished(id),
              status: failed ? 'failed' : 'succeeded',
              output: (failed ? str(obj(line.error).message) : str(line.output)) ?? '',
            }),
          )
          return { events }
        }
        case 'error':
          return { events, note: `Gemini CLI ${str(line.severity) ?? 'error'}: ${str(line.message) ?? ''}` }
        case 'result': {
          const stats = obj(line.stats)
          events.push(
            say.usage({
              model,
              input_tokens: num(stats.input_tokens),
              output_tokens: num(stats.output_tokens),
              cached_input_tokens: num(stats.cached),
            }),
          )
          if (line.status === 'error') error = str(obj(line.error).message) ?? 'the run failed'
          else result = lastMessage ?? ''
          return { events }
        }
        default:
          return { events }
      }
    },
    finish: () => ({ result, error }),
  }
}
