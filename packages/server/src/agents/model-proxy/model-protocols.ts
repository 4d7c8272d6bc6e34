import type { IncomingHttpHeaders } from 'node:http'

/** The model APIs the agent CLIs speak (all streamed over server-sent events). */
export type ModelProtocol = 'anthropic-messages' | 'openai-responses' | 'openai-chat' | 'gemini'

export const modelProtocols: readonly ModelProtocol[] = [
  'anthropic-messages',
  'openai-responses',
  'openai-chat',
  'gemini',
]

/** The vendor's base URL as its SDKs take it, for an agent that names none (`config.base_url`). */
export function vendorBaseUrl(protocol: ModelProtocol): string {
  switch (protocol) {
    case 'anthropic-messages':
      return 'https://api.anthropic.com'
    case 'openai-responses':
    case 'openai-chat':
      return 'https://api.openai.com/v1'
    case 'gemini':
      return 'https://generativelanguage.googleapis.com'
  }
}

/** A request the proxy forwards: where it goes under the upstream base URL, and whether it is a model call. */
export type Route = {
  /** Appended to the upstream base URL (the sandbox never sees that URL, only the proxy's). */
  upstreamPath: string
  /** A call that generates tokens: counted against the request limit and metered. */
  generates: boolean
  /** The model named in the path (Gemini), when the body does not name it. */
  model?: string
}

/**
 * The paths a CLI calls, as seen inside the sandbox: the proxy's base URL is the vendor's usual one
 * on 127.0.0.1 (`http://127.0.0.1:PORT` for Anthropic and Gemini, whose clients add `/v1…` and
 * `/v1beta…`; `…/v1` for OpenAI, whose base URLs include it). Anything else is refused: the proxy
 * is a door to one model API, not an open proxy to the upstream host.
 */
export function routeOf(protocol: ModelProtocol, method: string, path: string): Route | null {
  switch (protocol) {
    case 'anthropic-messages':
      if (method === 'POST' && path === '/v1/messages') return { upstreamPath: path, generates: true }
      if (method === 'POST' && path === '/v1/messages/count_tokens')
        return { upstreamPath: path, generates: false }
      return null
    case 'openai-responses':
    case 'openai-chat': {
      const endpoint = protocol === 'openai-chat' ? '/v1/chat/completions' : '/v1/responses'
      // OpenAI base URLs end in /v1 (https://api.openai.com/v1): the upstream path drops it.
      if (method === 'POST' && path === endpoint) return { upstreamPath: path.slice(3), generates: true }
      if (method === 'GET' && path === '/v1/models') return { upstreamPath: '/models', generates: false }
      return null
    }
    case 'gemini': {
      const match =
        /^\/(v1beta|v1)\/models\/([A-Za-z0-9._-]+):(streamGenerateContent|generateContent|countTokens)$/.exec(
          path,
        )
      if (method !== 'POST' || !match) return null
      return { upstreamPath: path, generates: match[3] !== 'countTokens', model: match[2] as string }
    }
  }
}

/** The path the sandbox's base URL ends with (see routeOf). */
export const basePathOf = (protocol: ModelProtocol) =>
  protocol === 'openai-responses' || protocol === 'openai-chat' ? '/v1' : ''

const bearer = (value: string | string[] | undefined) =>
  typeof value === 'string' && /^Bearer\s+/i.test(value) ? value.replace(/^Bearer\s+/i, '') : undefined

/**
 * The key a client sent, wherever its SDK puts it: `x-api-key` (Anthropic), `Authorization: Bearer`
 * (OpenAI; Anthropic with an auth token), `x-goog-api-key` or `?key=` (Gemini).
 */
export function presentedKey(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const header = (name: string) => {
    const value = headers[name]
    return typeof value === 'string' ? value : undefined
  }
  return (
    header('x-api-key') ??
    bearer(headers.authorization) ??
    header('x-goog-api-key') ??
    query.get('key') ??
    undefined
  )
}

/** Headers that carry a client's credentials: removed before the real key is added. */
export const credentialHeaders = ['x-api-key', 'authorization', 'x-goog-api-key', 'api-key']

/** The real key, the way each provider wants it. */
export function authHeaders(protocol: ModelProtocol, apiKey: string): Record<string, string> {
  switch (protocol) {
    case 'anthropic-messages':
      return { 'x-api-key': apiKey }
    case 'openai-responses':
    case 'openai-chat':
      return { authorization: `Bearer ${apiKey}` }
    case 'gemini':
      return { 'x-goog-api-key': apiKey }
  }
}

/** An error as the provider itself would send it, so the CLI prints its message. */
export function errorBody(protocol: ModelProtocol, status: number, message: string): string {
  switch (protocol) {
    case 'anthropic-messages': {
      const type =
        status === 401 ? 'authentication_error' : status === 404 ? 'not_found_error' : 'invalid_request_error'
      return JSON.stringify({ type: 'error', error: { type, message } })
    }
    case 'openai-responses':
    case 'openai-chat': {
      const type = status === 401 ? 'invalid_api_key' : 'invalid_request_error'
      return JSON.stringify({ error: { message, type, param: null, code: type } })
    }
    case 'gemini': {
      const reason = status === 401 ? 'UNAUTHENTICATED' : status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT'
      return JSON.stringify({ error: { code: status, message, status: reason } })
    }
  }
}
