import { type ConnectedEvent, eventTypes, type StreamEvent } from '@agent-squad/contract'

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'offline'

/** The part of EventSource the stream uses (tests pass a fake). */
export type EventSourceLike = {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void
  close(): void
  onerror: ((event: Event) => void) | null
}

export type EventStreamOptions = {
  /** The stream's path, e.g. `/api/v1/sse/squads/<id>`. */
  url: string
  onEvent: (event: StreamEvent) => void
  onStatus?: (status: StreamStatus) => void
  onConnected?: (info: ConnectedEvent) => void
  /**
   * The server's log no longer reaches the id this stream resumed from (its data was reset): the
   * stream starts over from the server's first event, and what was shown must be rebuilt.
   */
  onReset?: () => void
  /** Resume after this id (0: replay the whole stream). */
  lastEventId?: number
  createEventSource?: (url: string) => EventSourceLike
  /** First reconnect delay; it doubles per failed attempt up to `maxDelayMs`. */
  initialDelayMs?: number
  maxDelayMs?: number
  /** After this many failed attempts in a row the status says `offline` (it keeps trying). */
  offlineAfter?: number
}

const isStreamEvent = (value: unknown): value is StreamEvent =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as StreamEvent).id === 'number' &&
  typeof (value as StreamEvent).type === 'string'

/**
 * One server-sent event stream that never misses or repeats an event: it tracks the id of the last
 * event handled, drops any id it has already seen (ids only grow within a stream), and on every
 * reconnect asks the server to resume after that id (`?last_event_id=`). Reconnects back off, and a
 * stream silent for longer than two heartbeats counts as dead.
 */
export class EventStream {
  private readonly options: EventStreamOptions
  private source: EventSourceLike | null = null
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private watchdog: ReturnType<typeof setTimeout> | null = null
  private heartbeatMs = 15_000
  private failures = 0
  private stopped = true
  private currentStatus: StreamStatus = 'connecting'
  private last: number

  constructor(options: EventStreamOptions) {
    this.options = options
    this.last = options.lastEventId ?? 0
  }

  get lastEventId(): number {
    return this.last
  }

  get status(): StreamStatus {
    return this.currentStatus
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    if (typeof window !== 'undefined') {
      window.addEventListener('online', this.handleOnline)
      window.addEventListener('offline', this.handleOffline)
    }
    this.connect()
  }

  stop(): void {
    this.stopped = true
    this.closeSource()
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    if (typeof window !== 'undefined') {
      window.removeEventListener('online', this.handleOnline)
      window.removeEventListener('offline', this.handleOffline)
    }
  }

  private setStatus(status: StreamStatus) {
    if (status === this.currentStatus) return
    this.currentStatus = status
    this.options.onStatus?.(status)
  }

  private urlWithResume(): string {
    if (!this.last) return this.options.url
    const separator = this.options.url.includes('?') ? '&' : '?'
    return `${this.options.url}${separator}last_event_id=${this.last}`
  }

  private connect() {
    this.retryTimer = null
    if (this.stopped) return
    this.closeSource()
    const create = this.options.createEventSource ?? ((url: string) => new EventSource(url))
    const source = create(this.urlWithResume())
    this.source = source
    source.addEventListener('connected', (message) => {
      if (source !== this.source) return
      this.failures = 0
      try {
        const info = JSON.parse(message.data) as ConnectedEvent
        if (info.heartbeat_ms > 0) this.heartbeatMs = info.heartbeat_ms
        if (info.reset) {
          // The replay starts from the beginning: its ids are below the last one seen here.
          this.last = 0
          this.options.onReset?.()
        }
        this.options.onConnected?.(info)
      } catch {}
      this.setStatus('live')
      this.armWatchdog()
    })
    source.addEventListener('heartbeat', () => source === this.source && this.armWatchdog())
    for (const type of eventTypes) source.addEventListener(type, (message) => this.receive(source, message))
    // Never let EventSource retry on its own: its retry would resume from where *it* thinks it is.
    source.onerror = () => source === this.source && this.fail()
  }

  private receive(source: EventSourceLike, message: MessageEvent<string>) {
    if (source !== this.source) return
    this.armWatchdog()
    let event: unknown
    try {
      event = JSON.parse(message.data)
    } catch {
      return
    }
    if (!isStreamEvent(event) || event.id <= this.last) return
    this.last = event.id
    this.options.onEvent(event)
  }

  private fail() {
    this.closeSource()
    if (this.stopped) return
    this.failures += 1
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false
    this.setStatus(offline || this.failures >= (this.options.offlineAfter ?? 4) ? 'offline' : 'reconnecting')
    if (offline) return // `online` reconnects at once
    const initial = this.options.initialDelayMs ?? 500
    const delay = Math.min(initial * 2 ** (this.failures - 1), this.options.maxDelayMs ?? 15_000)
    this.retryTimer = setTimeout(() => this.connect(), delay)
  }

  private armWatchdog() {
    if (this.watchdog) clearTimeout(this.watchdog)
    this.watchdog = setTimeout(() => this.fail(), this.heartbeatMs * 2 + 5_000)
  }

  private closeSource() {
    if (this.watchdog) clearTimeout(this.watchdog)
    this.watchdog = null
    if (this.source) {
      this.source.onerror = null
      this.source.close()
      this.source = null
    }
  }

  private readonly handleOnline = () => {
    if (this.stopped || this.source) return
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.setStatus('reconnecting')
    this.connect()
  }

  private readonly handleOffline = () => {
    if (this.stopped) return
    this.fail()
  }
}
