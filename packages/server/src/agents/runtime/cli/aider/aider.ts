import type { AgentEvent } from '../../agent-runtime.ts'
import { type CliAdapter, type CliOutputParser, type KeyVariable, PROMPT } from '../cli-adapter.ts'
import { conversationOf } from '../conversation.ts'

/**
 * Aider scripted: `aider --message PROMPT --yes-always --no-pretty --no-stream`. Aider prints plain
 * text, which goes to the log as printed; the parser picks out what its documented output says:
 * the model's reply (prose; SEARCH/REPLACE edit blocks left out), `Applied edit to FILE`,
 * `Did not apply edit to FILE`, and `Tokens: … sent, … received. Cost: $… message, $… session.`,
 * which ends each reply. The summary is the last reply's prose.
 *
 * The pipeline commits, so Aider must not (`--no-auto-commits`, `--no-dirty-commits`), nor touch
 * .gitignore; its chat and input histories go to the sandbox's home instead of the workspace.
 */
export const aider: CliAdapter = {
  provider: 'aider',
  displayName: 'Aider',
  binary: 'aider',
  installHint: 'python -m pip install aider-install && aider-install',
  plainText: true,
  expectedResult: 'a "Tokens: … sent, … received." line after the model\'s reply',
  // Its model names go through litellm to many providers: not pointed at the proxy yet.
  protocol: () => null,
  keyVariables: (model) => keysForModel(model),
  // Update checks and analytics are off by its flags below; a base URL is an OpenAI-compatible one.
  setup: ({ baseUrl }) => ({ env: { ...(baseUrl ? { OPENAI_API_BASE: baseUrl } : {}) }, files: {} }),
  args: ({ model }) => [
    '--message',
    PROMPT,
    '--yes-always',
    '--no-pretty',
    '--no-stream',
    '--no-auto-commits',
    '--no-dirty-commits',
    '--no-gitignore',
    '--no-check-update',
    '--no-show-release-notes',
    '--no-analytics',
    '--chat-history-file',
    { shell: '"$HOME/.aider.chat.history.md"' },
    '--input-history-file',
    { shell: '"$HOME/.aider.input.history"' },
    ...(model ? ['--model', model] : []),
  ],
  parser: parseAider,
  async cleanup(sandbox, workdir) {
    // The repository map's cache has no option to live elsewhere.
    for (const entry of await sandbox.files.list(workdir).catch(() => []))
      if (/^\.aider\.tags\.cache\.v\d+$/.test(entry.name))
        await sandbox.files.remove(entry.path).catch(() => {})
  },
}

const anthropic: KeyVariable = { env: 'ANTHROPIC_API_KEY' }
const openai: KeyVariable = { env: 'OPENAI_API_KEY' }
const gemini: KeyVariable = { env: 'GEMINI_API_KEY' }

/** Aider reads the key of the model's provider; without a model it picks one from the keys it finds. */
function keysForModel(model: string | null): KeyVariable[] {
  const name = model?.toLowerCase() ?? ''
  if (/claude|anthropic|sonnet|opus|haiku/.test(name)) return [anthropic]
  if (/gemini/.test(name)) return [gemini]
  if (name.startsWith('openrouter/')) return [{ env: 'OPENROUTER_API_KEY' }]
  if (name.startsWith('deepseek')) return [{ env: 'DEEPSEEK_API_KEY' }]
  if (/gpt|^o\d|openai/.test(name)) return [openai]
  return [anthropic, openai, gemini]
}

/** Lines Aider prints about itself, never part of the model's reply. */
const statusLine = [
  /^Aider v\d/,
  /^(Main model|Model|Weak model|Editor model|Git repo|Repo-map|Detected dumb terminal|Analytics|Update available|Newer aider version)\b/,
  /^Added .+ to the chat/,
  /^(Warning|Note): /,
  /^https:\/\/aider\.chat\//,
  /^Commit [0-9a-f]{7,}\b/,
  /\(Y\)es\/\(N\)o.*\]:\s*\S*$/,
]
const errorLine = /^(litellm\.[\w.]+|[\w.]*(Error|Exception)|Error):/

/** `2.0k` → 2000, `1,250` → 1250, `1.5M` → 1500000. */
function count(text: string | undefined): number | null {
  if (!text) return null
  const match = /^([\d.,]+)([kKmM]?)$/.exec(text.trim())
  if (!match) return null
  const value = Number((match[1] ?? '').replace(/,/g, ''))
  if (!Number.isFinite(value)) return null
  const scale = match[2]?.toLowerCase() === 'k' ? 1e3 : match[2]?.toLowerCase() === 'm' ? 1e6 : 1
  return Math.round(value * scale)
}

export function parseAider(): CliOutputParser {
  const say = conversationOf('aider')
  let model: string | null = null
  let reply: string[] = []
  let inEdit = false
  let closingFence = false
  let result: string | null = null
  let lastError: string | null = null

  return {
    line(raw) {
      // In Aider's chat history the same lines are quoted with "> "; accept both.
      const text = raw.replace(/^> /, '').trimEnd()
      const events: AgentEvent[] = []
      if (inEdit) {
        if (/^>{7} REPLACE$/.test(text)) {
          inEdit = false
          closingFence = true
        }
        return { events }
      }
      if (closingFence) {
        closingFence = false
        if (/^```\s*$/.test(text)) return { events }
      }
      if (/^<{7} SEARCH$/.test(text)) {
        // The block's file name (and an opening fence) came just before: they are not prose.
        if (/^```/.test(reply[reply.length - 1] ?? '')) reply.pop()
        reply.pop()
        inEdit = true
        return { events }
      }
      const tokens = /^Tokens: (.*? received)\.?\s*(?:Cost: \$([\d.]+) message)?/.exec(text)
      if (tokens) {
        // "2.1k sent, 1.0k cache hit, 85 received": a comma that separates parts has a space after it.
        const parts = (tokens[1] ?? '').split(/,\s+/).map((p) => p.trim())
        const find = (label: string) =>
          count(parts.find((p) => p.endsWith(` ${label}`))?.slice(0, -label.length - 1))
        const prose = reply
          .join('\n')
          .replace(/\n{3,}/g, '\n\n')
          .trim()
        if (prose) events.push(say.message(prose))
        events.push(
          say.usage({
            model,
            input_tokens: find('sent'),
            output_tokens: find('received'),
            cached_input_tokens: find('cache hit'),
            cost_usd: tokens[2] ? Number(tokens[2]) : null,
          }),
        )
        result = prose
        reply = []
        return { events }
      }
      const applied = /^Applied edit to (.+)$/.exec(text)
      const rejected = /^Did not apply edit to (.+?)(?: \(.*\))?$/.exec(text)
      if (applied || rejected) {
        const path = (applied?.[1] ?? rejected?.[1] ?? '').trim()
        events.push(
          say.toolCall({
            call_id: null,
            tool: 'edit',
            input: { path },
            status: applied ? 'succeeded' : 'failed',
            output: text,
          }),
        )
        return { events }
      }
      const modelLine = /^(?:Main model|Model): (\S+)/.exec(text)
      if (modelLine) model = modelLine[1] ?? null
      if (errorLine.test(text)) lastError = text
      if (statusLine.some((pattern) => pattern.test(text))) return { events }
      if (reply.length > 0 || text.trim()) reply.push(text)
      return { events }
    },
    finish: () => ({ result, error: result === null ? lastError : null }),
  }
}
