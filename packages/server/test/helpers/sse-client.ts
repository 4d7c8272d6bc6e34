import { type ConnectedEvent, StreamEvent } from '@agent-squad/contract'

/** One dispatched message of a text/event-stream, as the WHATWG EventSource algorithm builds it. */
export type SseMessage = {
  /** The `id:` field of this very message, or null when it carried none. */
  id: string | null
  /** `event:` or, when absent, "message". */
  event: string
  data: string
  /** The stream's last event id after this message (ids persist across messages, as in EventSource). */
  lastEventId: string
}

export type SseParserOpts = {
  onMessage(message: SseMessage): void
  onComment?(text: string): void
  onRetry?(ms: number): void
}

/**
 * An incremental text/event-stream parser (https://html.spec.whatwg.org/#event-stream-interpretation):
 * feed it decoded text in chunks of any size; lines may end in CRLF, LF or CR, even split across chunks.
 */
export function createSseParser(opts: SseParserOpts) {
  let pending = ''
  let sawCr = false
  let first = true
  let data: string[] = []
  let event = ''
  let id: string | null = null
  let lastEventId = ''

  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0)
        opts.onMessage({ id, event: event || 'message', data: data.join('\n'), lastEventId })
      data = []
      event = ''
      id = null
      return
    }
    if (text.startsWith(':')) {
      opts.onComment?.(text.slice(1).replace(/^ /, ''))
      return
    }
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '')
    if (field === 'data') data.push(value)
    else if (field === 'event') event = value
    else if (field === 'id' && !value.includes('\0')) {
      id = value
      lastEventId = value
    } else if (field === 'retry' && /^\d+$/.test(value)) opts.onRetry?.(Number(value))
  }

  return {
    feed(chunk: string) {
      let text = chunk
      if (first && text.length > 0) {
        first = false
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
      }
      // A CR ending the previous chunk already ended its line; a LF right after it is part of that CRLF.
      if (sawCr && text.startsWith('\n')) text = text.slice(1)
      sawCr = false
      let start = 0
      for (let i = 0; i < text.length; i++) {
        const ch = text.charCodeAt(i)
        if (ch !== 10 && ch !== 13) continue
        line(pending + text.slice(start, i))
        pending = ''
        if (ch === 13) {
          if (i + 1 === text.length) sawCr = true
          else if (text.charCodeAt(i + 1) === 10) i++
        }
        start = i + 1
      }
      pending += text.slice(start)
    },
  }
}

export type SseClientOpts = {
  headers?: Record<string, string>
  /** Sent as the `Last-Event-ID` header, as EventSource does on reconnect. */
  lastEventId?: number | string
  token?: string
}

export type WaitOpts = { timeoutMs?: number }

/**
 * A test client for one SSE stream: fetch plus the parser above. It records everything it receives,
 * lets a test wait for a count or a predicate, and aborts like a browser tab closing.
 */
export type SseClient = {
  status: number
  headers: Headers
  /** The JSON body of a non-stream answer (errors), else null. */
  json: unknown
  /** Every dispatched message in arrival order: connected, heartbeats and events. */
  messages: SseMessage[]
  /** Log events only (messages with an `id:`), parsed with the contract's StreamEvent schema. */
  events: StreamEvent[]
  comments: string[]
  retry: number | null
  lastEventId: string
  /** True once the server ended the stream or the client aborted. */
  ended: boolean
  /** Why the stream failed (a transport error or an event that does not match the contract), if it did. */
  error: unknown
  /** Resolves when the stream is over, for whatever reason. */
  done: Promise<void>
  connected(): ConnectedEvent | null
  waitFor(predicate: (message: SseMessage) => boolean, opts?: WaitOpts): Promise<SseMessage>
  waitForEvents(count: number, opts?: WaitOpts): Promise<StreamEvent[]>
  abort(): void
}

export async function openSse(url: string, opts: SseClientOpts = {}): Promise<SseClient> {
  const controller = new AbortController()
  const headers: Record<string, string> = { accept: 'text/event-stream', ...opts.headers }
  if (opts.lastEventId !== undefined) headers['last-event-id'] = String(opts.lastEventId)
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  const response = await fetch(url, { headers, signal: controller.signal })
  const waiters = new Set<() => void>()
  const wake = () => {
    for (const waiter of [...waiters]) waiter()
  }

  const client: SseClient = {
    status: response.status,
    headers: response.headers,
    json: null,
    messages: [],
    events: [],
    comments: [],
    retry: null,
    lastEventId: '',
    ended: false,
    error: null,
    done: Promise.resolve(),
    connected() {
      const first = client.messages[0]
      return first?.event === 'connected' ? (JSON.parse(first.data) as ConnectedEvent) : null
    },
    waitFor(predicate, waitOpts = {}) {
      const timeoutMs = waitOpts.timeoutMs ?? 10_000
      return new Promise((resolve, reject) => {
        let seen = 0
        const check = () => {
          for (; seen < client.messages.length; seen++) {
            const message = client.messages[seen] as SseMessage
            if (predicate(message)) return finish(() => resolve(message))
          }
          if (client.error) finish(() => reject(client.error))
          else if (client.ended) finish(() => reject(new Error(`stream ended first; ${summary()}`)))
        }
        const timer = setTimeout(
          () => finish(() => reject(new Error(`timed out after ${timeoutMs} ms; ${summary()}`))),
          timeoutMs,
        )
        const finish = (settle: () => void) => {
          clearTimeout(timer)
          waiters.delete(check)
          settle()
        }
        waiters.add(check)
        check()
      })
    },
    async waitForEvents(count, waitOpts) {
      if (client.events.length < count) {
        let n = 0
        await client.waitFor((m) => m.id !== null && ++n >= count, waitOpts)
      }
      return client.events.slice(0, count)
    },
    abort() {
      controller.abort()
    },
  }
  const summary = () =>
    `received ${client.events.length} events (last id ${client.lastEventId || 'none'}) in ${client.messages.length} messages`

  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    const text = await response.text()
    try {
      client.json = JSON.parse(text)
    } catch {
      client.json = text
    }
    client.ended = true
    return client
  }

  const parser = createSseParser({
    onMessage(message) {
      client.lastEventId = message.lastEventId
      client.messages.push(message)
      if (message.id !== null) client.events.push(StreamEvent.parse(JSON.parse(message.data)) as StreamEvent)
      wake()
    },
    onComment: (text) => client.comments.push(text),
    onRetry: (ms) => {
      client.retry = ms
    },
  })
  client.done = (async () => {
    const decoder = new TextDecoder()
    try {
      for await (const chunk of response.body as ReadableStream<Uint8Array>)
        parser.feed(decoder.decode(chunk, { stream: true }))
    } catch (error) {
      if (!controller.signal.aborted) client.error = error
    } finally {
      client.ended = true
      wake()
    }
  })()
  return client
}
