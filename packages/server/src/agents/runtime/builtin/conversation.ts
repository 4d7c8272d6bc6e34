import type { AgentEvent } from '../agent-runtime.ts'

export type Conversation = {
  /** Assistant text as it streams; coalesced into one `agent.message` per interval. */
  text(delta: string): void
  /** Reasoning as it streams; coalesced into `agent.reasoning` events the same way. */
  reasoning(delta: string): void
  toolStarted(call: { id: string; tool: string; input: unknown }): void
  toolFinished(call: { id: string; tool: string; input: unknown; output: string; failed: boolean }): void
  usage(usage: {
    model: string
    inputTokens: number
    outputTokens: number
    cachedInputTokens: number
    costUsd: number | null
  }): void
  /** Writes out buffered text now (before anything else is said, and at the end of a turn). */
  flush(): void
}

/**
 * Turns the loop's conversation into events. Streamed text and reasoning are coalesced (one event
 * per `intervalMs`, or sooner past `maxChars`), and always written out before a tool call or usage
 * event, so the log reads in the order things happened. (The sink redacts and cuts long strings.)
 */
export function createConversation(
  emit: (event: AgentEvent) => void,
  options: { runtime: string; intervalMs?: number; maxChars?: number },
): Conversation {
  const { runtime } = options
  const interval = options.intervalMs ?? 100
  const maxChars = options.maxChars ?? 4000
  let kind: 'agent.message' | 'agent.reasoning' | null = null
  let pending = ''
  let timer: NodeJS.Timeout | null = null

  const flush = () => {
    if (timer) clearTimeout(timer)
    timer = null
    if (kind && pending) emit({ type: kind, payload: { runtime, text: pending } })
    kind = null
    pending = ''
  }

  const append = (next: 'agent.message' | 'agent.reasoning', delta: string) => {
    if (!delta) return
    if (kind !== next) flush()
    kind = next
    pending += delta
    if (pending.length >= maxChars) flush()
    else timer ??= setTimeout(flush, interval)
  }

  return {
    text: (delta) => append('agent.message', delta),
    reasoning: (delta) => append('agent.reasoning', delta),
    toolStarted(call) {
      flush()
      emit({
        type: 'agent.tool_call',
        payload: {
          runtime,
          call_id: call.id,
          tool: call.tool,
          input: call.input,
          status: 'started',
          output: null,
        },
      })
    },
    toolFinished(call) {
      flush()
      emit({
        type: 'agent.tool_call',
        payload: {
          runtime,
          call_id: call.id,
          tool: call.tool,
          input: call.input,
          status: call.failed ? 'failed' : 'succeeded',
          output: call.output,
        },
      })
    },
    usage(usage) {
      flush()
      emit({
        type: 'agent.usage',
        payload: {
          runtime,
          model: usage.model,
          input_tokens: usage.inputTokens,
          output_tokens: usage.outputTokens,
          cached_input_tokens: usage.cachedInputTokens,
          cost_usd: usage.costUsd,
        },
      })
    },
    flush,
  }
}
