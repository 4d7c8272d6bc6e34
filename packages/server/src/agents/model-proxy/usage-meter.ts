import { StringDecoder } from 'node:string_decoder'
import type { ModelProtocol } from './model-protocols.ts'

/** Tokens of one model response, as the provider reported them (cached input is part of input). */
export type MeteredUsage = {
  model: string | null
  inputTokens: number
  outputTokens: number
  cachedInputTokens: number
}

export type UsageMeter = {
  /** A chunk of the response body, as forwarded (the meter reads a copy; it never holds the stream). */
  push(chunk: Buffer): void
  /** The usage the response reported, or null when it reported none (an error, a cut stream). */
  end(): MeteredUsage | null
}

/** JSON bodies (non-streamed answers, errors) are read whole up to this size; beyond, not metered. */
const MAX_JSON_BYTES = 8 * 1024 * 1024

type Json = Record<string, unknown>
const obj = (v: unknown): Json | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined)

/**
 * Reads the usage a response reports, from each protocol's own fields: Anthropic `message_start`
 * (input, cache reads and writes) and `message_delta` (cumulative output); the Responses API's
 * `response.completed` (or `.incomplete`/`.failed`); Chat Completions' final chunk with `usage`;
 * Gemini's `usageMetadata` (cumulative, the last one counts; thoughts are billed as output).
 * Server-sent events are read line by line as they pass; a JSON body (or Gemini's streamed JSON
 * array) once it has ended.
 */
export function createUsageMeter(
  protocol: ModelProtocol,
  contentType: string,
  requestModel: string | null,
): UsageMeter {
  const usage: MeteredUsage = { model: null, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 }
  let seen = false
  const read = (data: Json) => {
    const found = extract(protocol, data)
    if (!found) return
    seen = true
    if (found.model) usage.model = found.model
    if (found.inputTokens !== undefined) usage.inputTokens = found.inputTokens
    if (found.cachedInputTokens !== undefined) usage.cachedInputTokens = found.cachedInputTokens
    if (found.outputTokens !== undefined) usage.outputTokens = found.outputTokens
  }
  const finish = (): MeteredUsage | null => (seen ? { ...usage, model: usage.model ?? requestModel } : null)

  if (contentType.includes('text/event-stream')) {
    const decoder = new StringDecoder('utf8')
    let partial = ''
    let data: string[] = []
    const line = (text: string) => {
      if (text === '') {
        if (data.length) dispatch(data.join('\n'))
        data = []
      } else if (text.startsWith('data:')) data.push(text.slice(text[5] === ' ' ? 6 : 5))
    }
    const dispatch = (payload: string) => {
      if (payload === '[DONE]') return
      try {
        const parsed = obj(JSON.parse(payload))
        if (parsed) read(parsed)
      } catch {}
    }
    const lines = (text: string) => {
      partial += text
      const parts = partial.split(/\r\n|\r|\n/)
      partial = parts.pop() ?? ''
      for (const part of parts) line(part)
    }
    return {
      push: (chunk) => lines(decoder.write(chunk)),
      end: () => {
        lines(`${decoder.end()}\n\n`)
        return finish()
      },
    }
  }

  const chunks: Buffer[] = []
  let size = 0
  return {
    push(chunk) {
      size += chunk.length
      if (size <= MAX_JSON_BYTES) chunks.push(chunk)
    },
    end() {
      if (size > MAX_JSON_BYTES) return null
      try {
        const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        for (const item of Array.isArray(body) ? body : [body]) {
          const parsed = obj(item)
          if (parsed) read(parsed)
        }
      } catch {}
      return finish()
    },
  }
}

type Found = Partial<MeteredUsage> & { model?: string | undefined }

function extract(protocol: ModelProtocol, data: Json): Found | undefined {
  switch (protocol) {
    case 'anthropic-messages': {
      // message_start carries the message; a non-streamed answer is the message itself.
      const message =
        data.type === 'message_start' ? obj(data.message) : data.type === 'message' ? data : undefined
      const u = obj(message ? message.usage : data.type === 'message_delta' ? data.usage : undefined)
      if (!u) return undefined
      const plain = num(u.input_tokens)
      const cacheRead = num(u.cache_read_input_tokens) ?? 0
      const cacheWrite = num(u.cache_creation_input_tokens) ?? 0
      return {
        model: str(message?.model),
        ...(plain !== undefined
          ? { inputTokens: plain + cacheRead + cacheWrite, cachedInputTokens: cacheRead }
          : {}),
        ...(num(u.output_tokens) !== undefined ? { outputTokens: num(u.output_tokens) } : {}),
      }
    }
    case 'openai-responses': {
      const done = ['response.completed', 'response.incomplete', 'response.failed'].includes(
        String(data.type),
      )
      const response = done ? obj(data.response) : data.object === 'response' ? data : undefined
      const u = obj(response?.usage)
      if (!u) return undefined
      return {
        model: str(response?.model),
        inputTokens: num(u.input_tokens) ?? 0,
        outputTokens: num(u.output_tokens) ?? 0,
        cachedInputTokens: num(obj(u.input_tokens_details)?.cached_tokens) ?? 0,
      }
    }
    case 'openai-chat': {
      const u = obj(data.usage)
      if (!u) return undefined
      return {
        model: str(data.model),
        inputTokens: num(u.prompt_tokens) ?? 0,
        outputTokens: num(u.completion_tokens) ?? 0,
        cachedInputTokens: num(obj(u.prompt_tokens_details)?.cached_tokens) ?? 0,
      }
    }
    case 'gemini': {
      const u = obj(data.usageMetadata)
      if (!u) return undefined
      return {
        model: str(data.modelVersion),
        inputTokens: num(u.promptTokenCount) ?? 0,
        outputTokens: (num(u.candidatesTokenCount) ?? 0) + (num(u.thoughtsTokenCount) ?? 0),
        cachedInputTokens: num(u.cachedContentTokenCount) ?? 0,
      }
    }
  }
}
