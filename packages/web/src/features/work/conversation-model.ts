import type { AgentToolCallPayload, StreamEvent } from '@agent-squad/contract'

/** Text the agent wrote (or reasoned), joined from consecutive deltas of one turn. */
export type TextItem = { kind: 'text'; key: string; runtime: string; text: string }

/** One tool call, updated in place (by `call_id`) as it goes from started to succeeded or failed. */
export type ToolItem = {
  kind: 'tool'
  key: string
  runtime: string
  callId: string | null
  tool: string
  input: unknown
  status: AgentToolCallPayload['status']
  output: string | null
}

/**
 * Where a restarted server ran the agent step again from the start (a `log` event with
 * `boundary: 'restart'`): what comes before it is the earlier attempt's, and is not continued.
 */
export type BoundaryItem = { kind: 'boundary'; key: string; text: string }

export type ConversationItem = TextItem | ToolItem | BoundaryItem

/** Tokens and cost summed over every `agent.usage` report; the null fields were never reported. */
export type UsageTotals = {
  reports: number
  model: string | null
  inputTokens: number
  outputTokens: number
  cachedInputTokens: number
  costUsd: number | null
}

/** What the agent said, did and thought, as its execution's stream has told it so far. */
export type ConversationState = {
  /** The id of the last event folded in; older or repeated ids are ignored, so a replay changes nothing. */
  lastId: number
  /** Messages and tool calls, in stream order. */
  messages: ConversationItem[]
  /** Reasoning, in stream order. */
  thoughts: (TextItem | BoundaryItem)[]
  usage: UsageTotals
  /** Where each tool call (by `call_id`) sits in `messages`. */
  calls: Record<string, number>
  /** The type of the last agent event: a message or reasoning delta joins the previous one only right after it. */
  lastType: string | null
}

export const emptyConversation: ConversationState = {
  lastId: 0,
  messages: [],
  thoughts: [],
  usage: {
    reports: 0,
    model: null,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    costUsd: null,
  },
  calls: {},
  lastType: null,
}

const agentTypes = new Set(['agent.message', 'agent.reasoning', 'agent.tool_call', 'agent.usage'])

/** The agent step's restart boundary: the one log event the conversation shows. */
const isAgentRestart = (event: StreamEvent) =>
  event.type === 'log' && event.payload.boundary === 'restart' && event.payload.step === 'agent'

/** Appends a delta to the last text item when the previous agent event was of the same type and runtime. */
function appendText<T extends ConversationItem>(
  list: T[],
  joins: boolean,
  id: number,
  runtime: string,
  text: string,
): void {
  const last = list[list.length - 1]
  if (joins && last?.kind === 'text' && last.runtime === runtime)
    list[list.length - 1] = { ...last, text: last.text + text }
  else list.push({ kind: 'text', key: `text-${id}`, runtime, text } as T)
}

/**
 * Folds a batch of events (in stream order) into the conversation; returns the same object when
 * nothing changed. Events other than the agent's (and its step's restart boundary) are ignored; so is
 * any id already folded in.
 */
export function reduceConversation(
  state: ConversationState,
  events: readonly StreamEvent[],
): ConversationState {
  let next: ConversationState | null = null
  // Copy-on-write once per batch, then edit the copies in place.
  const edit = (): ConversationState => {
    if (!next)
      next = {
        ...state,
        messages: [...state.messages],
        thoughts: [...state.thoughts],
        usage: { ...state.usage },
        calls: { ...state.calls },
      }
    return next
  }
  for (const event of events) {
    if (!(agentTypes.has(event.type) || isAgentRestart(event)) || event.id <= (next ?? state).lastId) continue
    const s = edit()
    const joins = s.lastType === event.type
    s.lastId = event.id
    s.lastType = event.type
    switch (event.type) {
      case 'agent.message':
        appendText(s.messages, joins, event.id, event.payload.runtime, event.payload.text)
        break
      case 'agent.reasoning':
        appendText(s.thoughts, joins, event.id, event.payload.runtime, event.payload.text)
        break
      case 'agent.tool_call': {
        const p = event.payload
        const at = p.call_id === null ? undefined : s.calls[p.call_id]
        const prev = at === undefined ? undefined : s.messages[at]
        if (at !== undefined && prev?.kind === 'tool') {
          s.messages[at] = {
            ...prev,
            tool: p.tool || prev.tool,
            input: p.input ?? prev.input,
            status: p.status,
            output: p.output ?? prev.output,
          }
        } else {
          if (p.call_id !== null) s.calls[p.call_id] = s.messages.length
          s.messages.push({
            kind: 'tool',
            key: `tool-${event.id}`,
            runtime: p.runtime,
            callId: p.call_id,
            tool: p.tool,
            input: p.input,
            status: p.status,
            output: p.output,
          })
        }
        break
      }
      case 'log': {
        // A divider in each list that has something before it (a script agent's stays empty).
        const item: BoundaryItem = {
          kind: 'boundary',
          key: `boundary-${event.id}`,
          text: event.payload.text.trim(),
        }
        if (s.messages.length) s.messages.push(item)
        if (s.thoughts.length) s.thoughts.push(item)
        break
      }
      case 'agent.usage': {
        const p = event.payload
        const u = s.usage
        u.reports += 1
        if (p.model) u.model = p.model
        u.inputTokens += p.input_tokens ?? 0
        u.outputTokens += p.output_tokens ?? 0
        u.cachedInputTokens += p.cached_input_tokens ?? 0
        if (p.cost_usd !== null) u.costUsd = (u.costUsd ?? 0) + p.cost_usd
        break
      }
      default:
        break
    }
  }
  return next ?? state
}
