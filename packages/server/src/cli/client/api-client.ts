import { ErrorBody } from '@agent-squad/contract'

export type ClientOptions = { url: string; token?: string | undefined }

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  /** The error body's `details` (a 422's `issues`), when it has them. */
  readonly details: unknown
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message)
    this.status = status
    this.code = code
    this.details = details
  }
}

/** A small JSON client for the CLI: errors come back as ApiError with the server's message. */
export function createApiClient(options: ClientOptions) {
  const base = options.url.replace(/\/+$/, '')
  const headers = (extra: Record<string, string> = {}) => ({
    ...extra,
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
  })
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
        body: body === undefined ? null : JSON.stringify(body),
      })
    } catch (error) {
      throw new Error(
        `Cannot reach the server at ${base} (${(error as Error).message}). Is \`squad serve\` running? Use --url.`,
      )
    }
    const text = await res.text()
    const json: unknown = text ? JSON.parse(text) : null
    if (!res.ok) {
      const parsed = ErrorBody.safeParse(json)
      if (parsed.success)
        throw new ApiError(
          res.status,
          parsed.data.error.code,
          parsed.data.error.message,
          parsed.data.error.details,
        )
      throw new ApiError(res.status, 'unknown', `HTTP ${res.status}: ${text.slice(0, 200)}`)
    }
    return json as T
  }
  return {
    base,
    headers,
    get: <T>(path: string) => request<T>('GET', path),
    post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
    put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body),
    delete: (path: string) => request<null>('DELETE', path),
  }
}

export type ApiClient = ReturnType<typeof createApiClient>

export type SseMessage = { id: string | null; event: string; data: string }

/** Reads an SSE stream and yields each message (comments and heartbeats included as events). */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder()
  let buffer = ''
  let message: SseMessage = { id: null, event: 'message', data: '' }
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true })
    let newline = buffer.indexOf('\n')
    while (newline >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '')
      buffer = buffer.slice(newline + 1)
      if (line === '') {
        if (message.data || message.event !== 'message') yield message
        message = { id: null, event: 'message', data: '' }
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'id') message.id = value
        else if (field === 'event') message.event = value
        else if (field === 'data') message.data = message.data ? `${message.data}\n${value}` : value
      }
      newline = buffer.indexOf('\n')
    }
  }
}
