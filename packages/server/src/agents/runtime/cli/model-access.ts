import type { HostService } from '../../../sandbox/sandbox-provider.ts'
import { type ModelProtocol, vendorBaseUrl } from '../../model-proxy/model-protocols.ts'
import { type MeteredUsage, openModelProxy } from '../../model-proxy/model-proxy.ts'
import type { AgentRunInput, AgentUsage } from '../agent-runtime.ts'
import { costOf, priceOf } from '../builtin/pricing.ts'
import type { CliAdapter } from './cli-adapter.ts'
import type { ModelKey } from './cli-config.ts'
import { conversationOf } from './conversation.ts'

/** Per execution; an agent's `config.max_steps` / `config.max_tokens` may lower them, never raise them. */
export type CliModelLimits = { maxSteps: number; maxTokens: number }

/** How one CLI run reaches its model: what its command gets, and what the proxy counted. */
export type ModelAccess = {
  /** The model key's variables: the proxy's dummy key under each, or (without a proxy) the real key. */
  envs: Record<string, string>
  /** The base URL to point the CLI at (the proxy's, as the CLI expects it), or null: as configured. */
  baseUrl: string | null
  hostServices: HostService[]
  /** For the command line in the log: where the key comes from, never the key. */
  describe: string
  /** True when the proxy counts usage (the CLI's own usage reports are then not recorded twice). */
  metered: boolean
  /** The tokens and cost counted, and why a call was refused for a limit (null when none was). */
  finish(): { usage: AgentUsage | null; limit: string | null }
  close(): Promise<void>
}

const positiveInt = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined

/**
 * Puts the host's model proxy between a CLI and its provider when the CLI's protocol is known and
 * the sandbox can reach host services: the CLI gets a dummy key and the proxy's URL, the proxy adds
 * the real key, counts every call's tokens and cost (as `agent.usage` events, like the built-in
 * agent) and enforces the execution's limits. Otherwise the key goes in the CLI's environment, and
 * the log says why.
 */
export async function openModelAccess(options: {
  adapter: CliAdapter
  input: AgentRunInput
  key: ModelKey | null
  model: string | null
  /** What the CLI speaks to its model; null when it cannot be pointed at a proxy (Aider, OpenCode here). */
  protocol: ModelProtocol | null
  /** The agent's `config.base_url`, or null for the vendor's. */
  upstreamBaseUrl: string | null
  /** The model proxy's settings; without them (tests of the runner alone) the key goes in the environment. */
  proxy: { limits: CliModelLimits } | undefined
}): Promise<ModelAccess> {
  const { adapter, input, key, model, protocol } = options
  const direct = (why: string | null): ModelAccess => {
    if (key && why)
      input.log.system(`${adapter.displayName} gets its model key in its environment: ${why}.\n`)
    return {
      envs: key?.envs ?? {},
      baseUrl: null,
      hostServices: [],
      describe: key ? `${Object.keys(key.envs).join(', ')} from ${key.source}` : '',
      metered: false,
      finish: () => ({ usage: null, limit: null }),
      close: async () => {},
    }
  }
  if (!key) return direct(null)
  if (!options.proxy) return direct('no model proxy is configured')
  if (!protocol) return direct(`${adapter.displayName} cannot be pointed at the model proxy yet`)
  if (!input.sandbox.hostServices) return direct("this sandbox provider cannot reach the host's model proxy")

  const config = input.agent.config
  const limits = {
    maxRequests: Math.min(options.proxy.limits.maxSteps, positiveInt(config.max_steps) ?? Infinity),
    maxTokens: Math.min(options.proxy.limits.maxTokens, positiveInt(config.max_tokens) ?? Infinity),
  }
  const say = conversationOf(adapter.provider)
  let costUsd: number | null = null
  let lastModel = model
  const onUsage = (usage: MeteredUsage) => {
    lastModel = usage.model ?? lastModel
    const cost = costOf(priceOf(usage.model ?? model ?? '', config), usage)
    if (cost !== null) costUsd = (costUsd ?? 0) + cost
    input.emit(
      say.usage({
        model: usage.model ?? model,
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        cached_input_tokens: usage.cachedInputTokens,
        cost_usd: cost,
      }),
    )
  }
  const proxy = await openModelProxy({
    protocol,
    upstreamBaseUrl: options.upstreamBaseUrl ?? vendorBaseUrl(protocol),
    apiKey: key.value,
    limits,
    onUsage,
    onLimit: (reason) => input.log.system(`The model proxy refused a model call: ${reason}.\n`),
  })
  // Useless outside this run, but key-shaped: the log and the events show it hidden like the real one.
  input.addSecret(proxy.apiKey)
  const names = Object.keys(key.envs)
  return {
    envs: Object.fromEntries(names.map((name) => [name, proxy.apiKey])),
    baseUrl: proxy.baseUrl,
    hostServices: proxy.hostServices,
    describe: `${names.join(', ')}: a stand-in for the key from ${key.source}, which the model proxy adds on the host`,
    metered: true,
    finish: () => {
      const totals = proxy.totals()
      return {
        usage: {
          model: `${adapter.provider}/${lastModel ?? 'default'}`,
          steps: totals.requests,
          input_tokens: totals.inputTokens,
          output_tokens: totals.outputTokens,
          cached_input_tokens: totals.cachedInputTokens,
          cost_usd: costUsd === null ? null : Math.round(costUsd * 1_000_000) / 1_000_000,
        },
        limit: proxy.limitReached(),
      }
    },
    close: proxy.close,
  }
}
