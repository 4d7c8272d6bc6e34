import type { AgentEvent } from '../../agent-runtime.ts'
import { type CliAdapter, type CliOutputParser, type KeyVariable, PROMPT } from '../cli-adapter.ts'
import { conversationOf } from '../conversation.ts'
import { num, obj, parseJsonObject, str } from '../json-fields.ts'

/**
 * OpenCode non-interactive: `opencode run --format json PROMPT`. Each line is
 * `{ type, timestamp, sessionID, part }` with type `step_start`, `text` (a finished text part),
 * `reasoning` (with `--thinking`), `tool_use` (a finished tool part: `part.tool`, `part.callID`,
 * `part.state` with `status` `completed` or `error`, `input`, `output`, `error`), `step_finish`
 * (`part.reason`, `part.cost`, `part.tokens`), `error` (`error.name`, `error.data.message`) and, in
 * newer versions, `done`. The summary is the last text of the step that finished the run (a
 * `step_finish` whose reason is not `tool-calls`, or `done`).
 *
 * A base URL becomes a provider of its own (`squad`, `@ai-sdk/openai-compatible`: Chat Completions)
 * in the run's `~/.config/opencode/opencode.json`, the model named `squad/<model>`. Auto-update,
 * sharing, the models.dev lookup, language-server downloads and the default plugins (installed from
 * the npm registry on every fresh HOME) are off.
 */
export const opencode: CliAdapter = {
  provider: 'opencode',
  displayName: 'OpenCode',
  binary: 'opencode',
  installHint: 'npm install -g opencode-ai',
  expectedResult: 'a final {"type":"step_finish"} line (reason "stop") or {"type":"done"}',
  // Through the proxy it speaks Chat Completions as a provider of its own; an Anthropic or Google
  // model keeps OpenCode's own provider for it (and the key), not pointed at the proxy yet.
  protocol: (model) => (/^(anthropic|google)\//i.test(model ?? '') ? null : 'openai-chat'),
  keyVariables: (model) => keysForModel(model),
  setup: ({ baseUrl, model, keyEnv }) => ({
    // Without DEFAULT_PLUGINS it installs its plugins from the npm registry at every fresh start.
    env: {
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
      OPENCODE_DISABLE_SHARE: '1',
    },
    files: { '.config/opencode/opencode.json': opencodeConfig(baseUrl, model, keyEnv) },
  }),
  args: ({ model, baseUrl }) => [
    'run',
    '--format',
    'json',
    '--thinking',
    ...(model ? ['--model', baseUrl ? `squad/${ownModel(model)}` : model] : []),
    PROMPT,
  ],
  parser: parseOpencode,
}

/** The model's own name: `anthropic/claude-x` is `claude-x` to a provider of its own. */
const ownModel = (model: string) => model.split('/').slice(1).join('/') || model

function opencodeConfig(baseUrl: string | null, model: string | null, keyEnv: string): string {
  const config: Record<string, unknown> = {
    $schema: 'https://opencode.ai/config.json',
    autoupdate: false,
    share: 'disabled',
  }
  if (baseUrl)
    config.provider = {
      squad: {
        npm: '@ai-sdk/openai-compatible',
        name: 'squad',
        options: { baseURL: baseUrl, apiKey: `{env:${keyEnv}}` },
        models: model ? { [ownModel(model)]: { name: ownModel(model) } } : {},
      },
    }
  return `${JSON.stringify(config, null, 2)}\n`
}

const anthropic: KeyVariable = { env: 'ANTHROPIC_API_KEY' }
const openai: KeyVariable = { env: 'OPENAI_API_KEY' }
const google: KeyVariable = { env: 'GEMINI_API_KEY', also: ['GOOGLE_GENERATIVE_AI_API_KEY'] }

/** OpenCode models are `provider/model`; the provider says which key it reads. */
function keysForModel(model: string | null): KeyVariable[] {
  const provider = model?.split('/')[0]?.toLowerCase()
  switch (provider) {
    case 'anthropic':
      return [anthropic]
    case 'openai':
      return [openai]
    case 'google':
      return [google, { env: 'GOOGLE_GENERATIVE_AI_API_KEY' }]
    case 'openrouter':
      return [{ env: 'OPENROUTER_API_KEY' }]
    default:
      return [anthropic, openai, google]
  }
}

export function parseOpencode(): CliOutputParser {
  const say = conversationOf('opencode')
  let lastText: string | null = null
  let result: string | null = null
  let error: string | null = null
  // A step that starts again before finishing is OpenCode retrying a model request that broke.
  let open = false
  let retries = 0

  return {
    line(text) {
      const line = parseJsonObject(text)
      if (!line) return null
      const events: AgentEvent[] = []
      const part = obj(line.part)
      switch (line.type) {
        case 'step_start':
          if (open) retries++
          open = true
          return { events }
        case 'text': {
          const body = str(part.text) ?? ''
          if (!body.trim()) return { events }
          lastText = body
          events.push(say.message(body))
          return { events }
        }
        case 'reasoning':
          if (str(part.text)?.trim()) events.push(say.reasoning(str(part.text) ?? ''))
          return { events }
        case 'tool_use': {
          const state = obj(part.state)
          const failed = state.status === 'error'
          events.push(
            say.toolCall({
              call_id: str(part.callID) ?? str(part.id),
              tool: str(part.tool) ?? 'unknown',
              input: state.input ?? null,
              status: failed ? 'failed' : 'succeeded',
              output: (failed ? str(state.error) : str(state.output)) ?? '',
            }),
          )
          return { events }
        }
        case 'step_finish': {
          open = false
          const tokens = obj(part.tokens)
          events.push(
            say.usage({
              input_tokens: num(tokens.input),
              output_tokens: num(tokens.output),
              cached_input_tokens: num(obj(tokens.cache).read),
              cost_usd: num(part.cost),
            }),
          )
          if (part.reason !== 'tool-calls') result = lastText ?? ''
          return { events }
        }
        case 'done':
          result ??= lastText ?? ''
          return { events }
        case 'error': {
          const failure = obj(line.error)
          error = str(obj(failure.data).message) ?? str(failure.name) ?? 'OpenCode reported an error'
          return { events }
        }
        default:
          return { events }
      }
    },
    finish: () => ({
      result,
      error,
      ...(retries
        ? { warnings: [`OpenCode retried a model request ${retries} time(s) after it broke off`] }
        : {}),
    }),
  }
}
