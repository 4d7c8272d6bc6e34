import type { AgentEvent, AgentUsage } from '../agent-runtime.ts'

/**
 * A run's `agent.usage` events added up, for the agent step's stored usage when no model proxy
 * counted the calls (a CLI that reached its model directly).
 */
export function usageTotal(fallbackModel: string) {
  let total: AgentUsage | null = null
  return {
    add(event: AgentEvent) {
      if (event.type !== 'agent.usage') return
      const u = event.payload
      const before = total ?? {
        model: u.model ?? fallbackModel,
        steps: 0,
        input_tokens: 0,
        output_tokens: 0,
        cached_input_tokens: 0,
        cost_usd: null,
      }
      total = {
        model: u.model ?? before.model,
        steps: before.steps + 1,
        input_tokens: before.input_tokens + (u.input_tokens ?? 0),
        output_tokens: before.output_tokens + (u.output_tokens ?? 0),
        cached_input_tokens: before.cached_input_tokens + (u.cached_input_tokens ?? 0),
        cost_usd: u.cost_usd === null ? before.cost_usd : (before.cost_usd ?? 0) + u.cost_usd,
      }
    },
    get: () => total,
  }
}
