import type { AgentToolCallPayload, AgentUsagePayload } from '@agent-squad/contract'
import type { AgentEvent } from '../agent-runtime.ts'

type ToolCall = Omit<AgentToolCallPayload, 'runtime'>
type Usage = Partial<Omit<AgentUsagePayload, 'runtime'>>

/** Builds one runtime's conversation events (the payloads of contract/agent-conversation.ts). */
export function conversationOf(runtime: string) {
  return {
    message: (text: string): AgentEvent => ({ type: 'agent.message', payload: { runtime, text } }),
    reasoning: (text: string): AgentEvent => ({ type: 'agent.reasoning', payload: { runtime, text } }),
    toolCall: (call: ToolCall): AgentEvent => ({ type: 'agent.tool_call', payload: { runtime, ...call } }),
    usage: (usage: Usage): AgentEvent => ({
      type: 'agent.usage',
      payload: {
        runtime,
        model: usage.model ?? null,
        input_tokens: usage.input_tokens ?? null,
        output_tokens: usage.output_tokens ?? null,
        cached_input_tokens: usage.cached_input_tokens ?? null,
        cost_usd: usage.cost_usd ?? null,
      },
    }),
  }
}

/**
 * Pairs a tool call's result with the call that started it: CLIs that report a result by call id
 * alone (Claude Code, Gemini CLI) still get the tool's name and input in the finished event.
 */
export function toolCallRegistry() {
  const calls = new Map<string, { tool: string; input: unknown }>()
  return {
    started(id: string | null, tool: string, input: unknown) {
      if (id) calls.set(id, { tool, input })
    },
    finished(id: string | null): { tool: string; input: unknown } {
      const call = id ? calls.get(id) : undefined
      if (id) calls.delete(id)
      return call ?? { tool: 'unknown', input: null }
    },
  }
}
