import { Counter, Histogram, type Registry } from 'prom-client'
import type { VendorCallObserver, VendorCallOutcome } from './vendor-calls.ts'

/** The vendors whose APIs the server calls: GitHub (forge) and the built-in agent's model providers. */
export const knownVendors = ['github', 'openai', 'anthropic', 'openai-compatible'] as const
const callOutcomes: VendorCallOutcome[] = ['ok', 'error', 'rate_limited']
const tokenKinds = ['input', 'output', 'cached_input'] as const

/** A model's usage over one agent step (agent-runtime.ts's AgentUsage, in its own words). */
export type ModelUsage = {
  /** `provider/model`. */
  model: string
  input_tokens: number
  output_tokens: number
  cached_input_tokens: number
  cost_usd: number | null
}

/**
 * Vendors' APIs and the models' bill. Labels: the vendor (a fixed list), and for tokens the provider
 * and model an agent is configured with (bounded by the squads' agents, not by their work).
 */
export function createVendorMetrics(registry: Registry) {
  const registers = [registry]
  const calls = new Counter({
    name: 'squad_vendor_requests_total',
    help: 'Calls to vendor APIs (each attempt), by vendor and outcome (ok, error, rate_limited).',
    labelNames: ['vendor', 'outcome'] as const,
    registers,
  })
  // Every vendor and outcome exists from the start, so "rate limited" reads 0 rather than nothing.
  for (const vendor of knownVendors) for (const outcome of callOutcomes) calls.inc({ vendor, outcome }, 0)
  const callDuration = new Histogram({
    name: 'squad_vendor_request_duration_seconds',
    help: 'Duration of one call to a vendor API (a model call lasts until its stream ends).',
    labelNames: ['vendor'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  })
  const tokens = new Counter({
    name: 'squad_model_tokens_total',
    help: 'Model tokens of agent steps, by provider, model and kind (input, output, cached_input).',
    labelNames: ['provider', 'model', 'kind'] as const,
    registers,
  })
  const cost = new Counter({
    name: 'squad_model_cost_usd_total',
    help: "Cost of agent steps' model calls in US dollars, by provider and model (when the price is known).",
    labelNames: ['provider', 'model'] as const,
    registers,
  })
  const observeCall: VendorCallObserver = ({ vendor, outcome, seconds }) => {
    calls.inc({ vendor, outcome })
    callDuration.observe({ vendor }, seconds)
  }
  const recordUsage = (usage: ModelUsage) => {
    const slash = usage.model.indexOf('/')
    const provider = slash > 0 ? usage.model.slice(0, slash) : 'unknown'
    const model = slash > 0 ? usage.model.slice(slash + 1) : usage.model
    const counts = {
      input: usage.input_tokens,
      output: usage.output_tokens,
      cached_input: usage.cached_input_tokens,
    }
    for (const kind of tokenKinds)
      if (Number.isFinite(counts[kind]) && counts[kind] >= 0)
        tokens.inc({ provider, model, kind }, counts[kind])
    if (usage.cost_usd !== null && Number.isFinite(usage.cost_usd) && usage.cost_usd >= 0)
      cost.inc({ provider, model }, usage.cost_usd)
  }
  return { observeCall, recordUsage }
}

export type VendorMetrics = ReturnType<typeof createVendorMetrics>
