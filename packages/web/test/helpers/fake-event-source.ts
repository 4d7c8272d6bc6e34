import type { StreamEvent } from '@agent-squad/contract'
import type { EventSourceLike } from '../../src/shared/hooks/event-stream.ts'

/** An EventSource the test drives: it records its URL and lets the test deliver frames or fail it. */
export class FakeEventSource implements EventSourceLike {
  static all: FakeEventSource[] = []
  static latest = () => FakeEventSource.all[FakeEventSource.all.length - 1] as FakeEventSource
  static reset = () => {
    FakeEventSource.all = []
  }

  readonly url: string
  closed = false
  onerror: ((event: Event) => void) | null = null
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>()

  constructor(url: string) {
    this.url = url
    FakeEventSource.all.push(this)
  }

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }

  close() {
    this.closed = true
  }

  emit(type: string, data: unknown) {
    const message = new MessageEvent('message', { data: JSON.stringify(data) }) as MessageEvent<string>
    for (const listener of this.listeners.get(type) ?? []) listener(message)
  }

  connected(lastEventId: number | null = null, heartbeatMs = 15_000, reset = false) {
    this.emit('connected', {
      stream: 'test',
      last_event_id: lastEventId,
      server_time: new Date().toISOString(),
      heartbeat_ms: heartbeatMs,
      ...(reset ? { reset: true } : {}),
    })
  }

  send(event: StreamEvent) {
    this.emit(event.type, event)
  }

  fail() {
    this.onerror?.(new Event('error'))
  }
}

export const createFake = (url: string) => new FakeEventSource(url)

let nextId = 1
const squad = '00000000-0000-7000-8000-000000000001'

/** A log event (any event will do for stream mechanics). */
export const logEvent = (id: number, text = `line ${id}\n`): StreamEvent => ({
  id,
  type: 'log',
  scope: 'execution',
  squad_id: squad,
  task_id: null,
  execution_id: null,
  created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, nextId++)).toISOString(),
  payload: { stream: 'stdout', step: 'agent', text },
})
