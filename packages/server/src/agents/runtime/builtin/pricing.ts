/** USD per million tokens. */
export type Price = { input: number; output: number; cachedInput?: number }

/**
 * List prices of common models (USD per million tokens, as published by OpenAI and Anthropic in
 * 2025), matched by the longest model-id prefix. They change: an agent's `config.pricing`
 * (`{ "input_per_mtok": 3, "output_per_mtok": 15, "cached_input_per_mtok": 0.3 }`) overrides them,
 * and a model not listed has no cost (only tokens are recorded).
 */
const listPrices: [prefix: string, price: Price][] = [
  ['gpt-5-nano', { input: 0.05, output: 0.4, cachedInput: 0.005 }],
  ['gpt-5-mini', { input: 0.25, output: 2, cachedInput: 0.025 }],
  ['gpt-5', { input: 1.25, output: 10, cachedInput: 0.125 }],
  ['gpt-4.1-nano', { input: 0.1, output: 0.4, cachedInput: 0.025 }],
  ['gpt-4.1-mini', { input: 0.4, output: 1.6, cachedInput: 0.1 }],
  ['gpt-4.1', { input: 2, output: 8, cachedInput: 0.5 }],
  ['gpt-4o-mini', { input: 0.15, output: 0.6, cachedInput: 0.075 }],
  ['gpt-4o', { input: 2.5, output: 10, cachedInput: 1.25 }],
  ['o4-mini', { input: 1.1, output: 4.4, cachedInput: 0.275 }],
  ['o3', { input: 2, output: 8, cachedInput: 0.5 }],
  ['claude-opus-4-5', { input: 5, output: 25, cachedInput: 0.5 }],
  ['claude-opus-4', { input: 15, output: 75, cachedInput: 1.5 }],
  ['claude-sonnet-4', { input: 3, output: 15, cachedInput: 0.3 }],
  ['claude-3-7-sonnet', { input: 3, output: 15, cachedInput: 0.3 }],
  ['claude-3-5-sonnet', { input: 3, output: 15, cachedInput: 0.3 }],
  ['claude-haiku-4-5', { input: 1, output: 5, cachedInput: 0.1 }],
  ['claude-3-5-haiku', { input: 0.8, output: 4, cachedInput: 0.08 }],
]
listPrices.sort((a, b) => b[0].length - a[0].length)

const nonNegative = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined)

/** The price of `modelId`: the agent's `config.pricing` when given, else the list, else null. */
export function priceOf(modelId: string, config: Record<string, unknown>): Price | null {
  const custom = config.pricing
  if (custom && typeof custom === 'object') {
    const c = custom as Record<string, unknown>
    const input = nonNegative(c.input_per_mtok)
    const output = nonNegative(c.output_per_mtok)
    const cachedInput = nonNegative(c.cached_input_per_mtok)
    if (input !== undefined && output !== undefined)
      return { input, output, ...(cachedInput !== undefined ? { cachedInput } : {}) }
  }
  // Provider prefixes such as "openai/gpt-4o" (OpenRouter) name the same models.
  const id = modelId.toLowerCase().replace(/^[a-z0-9-]+\//, '')
  return listPrices.find(([prefix]) => id.startsWith(prefix))?.[1] ?? null
}

/** Cost in USD of one model call; cached input tokens are part of `inputTokens`. */
export function costOf(
  price: Price | null,
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number },
): number | null {
  if (!price) return null
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens)
  const dollars =
    ((usage.inputTokens - cached) * price.input +
      cached * (price.cachedInput ?? price.input) +
      usage.outputTokens * price.output) /
    1_000_000
  return Math.round(dollars * 1_000_000) / 1_000_000
}
