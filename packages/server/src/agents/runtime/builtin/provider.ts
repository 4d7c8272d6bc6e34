import { createAnthropic } from '@ai-sdk/anthropic'
import { createOpenAI } from '@ai-sdk/openai'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import type { LanguageModel } from 'ai'
import { AppError } from '../../../domain/errors.ts'

/** The model providers the built-in agent speaks to (an agent's `llm_provider`). */
export const builtinProviders = ['openai', 'anthropic', 'openai-compatible'] as const
export type BuiltinProvider = (typeof builtinProviders)[number]
export const isBuiltinProvider = (provider: string): provider is BuiltinProvider =>
  (builtinProviders as readonly string[]).includes(provider)

/** Reads an environment variable (the server's settings first, see start-engine.ts). */
export type EnvLookup = (name: string) => string | undefined

export type ResolvedModel = {
  model: LanguageModel
  /** `provider/model`, for messages and events. */
  label: string
  modelId: string
  /** The key sent to the provider (never into the sandbox): the caller adds it to the redactor. */
  apiKey: string | null
}

const invalid = (message: string) => new AppError('validation_failed', message)

function httpUrl(value: string, what: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw invalid(`${what} must be an http:// or https:// URL, not ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid(`${what} must be an http:// or https:// URL, not ${JSON.stringify(value)}`)
  return value.replace(/\/+$/, '')
}

/**
 * Anthropic's own tools take ANTHROPIC_BASE_URL without the version (https://api.anthropic.com);
 * the AI SDK wants it with /v1. A URL with no path gets /v1; one with a path is used as it is.
 */
export function anthropicBaseUrl(value: string): string {
  const url = httpUrl(value, 'ANTHROPIC_BASE_URL')
  return new URL(url).pathname.replace(/\/+$/, '') === '' ? `${url}/v1` : url
}

/** The server's own credentials: an agent may name them only to get a squad secret of that name. */
const serverOnly = new Set(['DATABASE_URL', 'E2B_API_KEY', 'GITHUB_TOKEN', 'GH_TOKEN', 'SQUAD_SECRET_KEY'])
const isServerOnly = (name: string) => serverOnly.has(name)

/**
 * A squad's stored secrets in front of the server's environment: they act as variables scoped to the
 * squad and win for every name an agent looks up. The server's own credentials (DATABASE_URL,
 * SQUAD_SECRET_KEY, forge tokens) never come from its environment this way, whatever an agent's config
 * says: a config.base_url of the agent's choosing would receive them.
 */
export function withSecrets(env: EnvLookup, secrets?: EnvLookup): EnvLookup {
  return (name) => secrets?.(name) || (isServerOnly(name) ? undefined : env(name))
}

/**
 * The API key for an agent: the variable its `config.api_key_env` names, else the provider's usual
 * one, each looked up in the squad's secrets first, then the server's environment (see withSecrets).
 */
function apiKeyFor(
  provider: BuiltinProvider,
  config: Record<string, unknown>,
  env: EnvLookup,
): string | null {
  const named = config.api_key_env
  if (named !== undefined && named !== null && named !== '') {
    if (typeof named !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(named))
      throw invalid(`config.api_key_env must name an environment variable, such as "OPENROUTER_API_KEY"`)
    const value = env(named)
    if (!value)
      throw invalid(
        isServerOnly(named)
          ? `config.api_key_env names ${named}, a credential of the server itself: store the key as a squad secret of that name, or name another one`
          : `config.api_key_env names ${named}, but neither the squad's secrets nor the server's environment has it`,
      )
    return value
  }
  // An OpenAI-compatible server is someone else's: it never gets the OpenAI key unless asked to.
  if (provider === 'openai-compatible') return null
  const variable = provider === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY'
  const value = env(variable)
  if (!value)
    throw invalid(
      `No API key for ${provider}: set ${variable} on the server or store it as a squad secret (squad secret set), or name another variable in the agent's config.api_key_env`,
    )
  return value
}

/**
 * Picks the model for an agent from its `llm_provider`, `llm_model` and config:
 * - `openai`: OPENAI_API_KEY, OPENAI_BASE_URL (default https://api.openai.com/v1); Chat Completions
 *   (what every model and every OpenAI-style proxy speaks), or the Responses API with
 *   `config.api: "responses"` (reasoning summaries of o-series and GPT-5 models).
 * - `anthropic`: ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL (default https://api.anthropic.com).
 * - `openai-compatible` (Ollama, vLLM, LM Studio, OpenRouter): `config.base_url`, Chat Completions,
 *   a key only if `config.api_key_env` names one.
 * `config.base_url` overrides the base URL for any of them. Every variable is looked up in the squad's
 * `secrets` first, then `env` (see withSecrets). `fetch` is for tests and benchmarks.
 */
export function resolveModel(
  agent: { llmProvider: string; llmModel: string; config: Record<string, unknown> },
  options: { env: EnvLookup; secrets?: EnvLookup | undefined; fetch?: typeof fetch },
): ResolvedModel {
  const env = withSecrets(options.env, options.secrets)
  const provider = agent.llmProvider
  if (!isBuiltinProvider(provider))
    throw invalid(`The built-in agent does not speak to ${JSON.stringify(provider)} models`)
  const modelId = agent.llmModel.trim()
  if (!modelId)
    throw invalid(
      `The agent has no model: set its llm_model (e.g. ${provider === 'anthropic' ? 'claude-sonnet-4-5' : provider === 'openai' ? 'gpt-4.1' : "the server's model name, such as qwen2.5-coder:7b"})`,
    )
  const { config } = agent
  const apiKey = apiKeyFor(provider, config, env)
  const configured = typeof config.base_url === 'string' && config.base_url ? config.base_url : undefined
  const extra = options.fetch ? { fetch: options.fetch } : {}
  const label = `${provider}/${modelId}`
  switch (provider) {
    case 'openai': {
      const baseURL = httpUrl(
        configured ?? env('OPENAI_BASE_URL') ?? 'https://api.openai.com/v1',
        configured ? 'config.base_url' : 'OPENAI_BASE_URL',
      )
      const openai = createOpenAI({ apiKey: apiKey ?? '', baseURL, ...extra })
      const model = config.api === 'responses' ? openai.responses(modelId) : openai.chat(modelId)
      return { model, label, modelId, apiKey }
    }
    case 'anthropic': {
      const base = configured ?? env('ANTHROPIC_BASE_URL')
      const baseURL = base ? anthropicBaseUrl(base) : 'https://api.anthropic.com/v1'
      const anthropic = createAnthropic({ apiKey: apiKey ?? '', baseURL, ...extra })
      return { model: anthropic(modelId), label, modelId, apiKey }
    }
    case 'openai-compatible': {
      if (!configured)
        throw invalid(
          'An openai-compatible agent needs config.base_url: the server to talk to, e.g. http://localhost:11434/v1 (Ollama) or https://openrouter.ai/api/v1',
        )
      const baseURL = httpUrl(configured, 'config.base_url')
      const compatible = createOpenAICompatible({
        name: 'openai-compatible',
        baseURL,
        includeUsage: true,
        ...(apiKey ? { apiKey } : {}),
        ...extra,
      })
      return { model: compatible.chatModel(modelId), label, modelId, apiKey }
    }
  }
}

const configured = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL'] as const
type ConfiguredVariable = (typeof configured)[number]

/**
 * The built-in agent's environment: the provider variables as the server's configuration parsed
 * them (environment, then `.env`), any other name (an agent's `config.api_key_env`) from `env`.
 */
export function envFromConfig(
  config: Partial<Record<ConfiguredVariable, string | undefined>>,
  env: NodeJS.ProcessEnv = process.env,
): EnvLookup {
  return (name) =>
    (configured as readonly string[]).includes(name)
      ? config[name as ConfiguredVariable]
      : env[name] || undefined
}
