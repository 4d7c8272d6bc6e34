/** The part of an xterm Terminal the writer needs. */
export type TerminalLike = { write(data: string, callback?: () => void): void }

export type TerminalWriterOptions = {
  /** At most this many characters are handed to the terminal per frame. */
  maxChunkChars?: number
  schedule?: (fn: () => void) => void
}

const nextFrame = (fn: () => void) =>
  typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => fn()) : setTimeout(fn, 16)

/**
 * Feeds text to a terminal without ever blocking the page: everything that arrives within a frame
 * is joined into one write, a write is never larger than `maxChunkChars`, and the next one waits
 * until the terminal has parsed the last (its write callback), so a multi-megabyte replay streams
 * in steadily instead of freezing the tab.
 */
export class TerminalWriter {
  private readonly terminal: TerminalLike
  private readonly maxChunk: number
  private readonly schedule: (fn: () => void) => void
  private queue: string[] = []
  private queued = 0
  private scheduled = false
  private writing = false
  private disposed = false
  private written = 0
  private idleWaiters: (() => void)[] = []

  constructor(terminal: TerminalLike, options: TerminalWriterOptions = {}) {
    this.terminal = terminal
    this.maxChunk = options.maxChunkChars ?? 256 * 1024
    this.schedule = options.schedule ?? nextFrame
  }

  /** Characters the terminal has taken in so far. */
  get writtenChars() {
    return this.written
  }

  get pendingChars() {
    return this.queued
  }

  push(text: string) {
    if (this.disposed || !text) return
    this.queue.push(text)
    this.queued += text.length
    this.kick()
  }

  /** Resolves once everything pushed so far has been written. */
  idle(): Promise<void> {
    if (!this.queued && !this.writing) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  dispose() {
    this.disposed = true
    this.queue = []
    this.queued = 0
    for (const resolve of this.idleWaiters.splice(0)) resolve()
  }

  private kick() {
    if (this.scheduled || this.writing || !this.queued) return
    this.scheduled = true
    this.schedule(() => this.flush())
  }

  private take(): string {
    let text = this.queue.join('')
    this.queue = []
    if (text.length > this.maxChunk) {
      this.queue.push(text.slice(this.maxChunk))
      text = text.slice(0, this.maxChunk)
    }
    this.queued -= text.length
    return text
  }

  private flush() {
    this.scheduled = false
    if (this.disposed || !this.queued) return
    const chunk = this.take()
    this.writing = true
    this.terminal.write(chunk, () => {
      this.writing = false
      this.written += chunk.length
      if (this.queued) this.kick()
      else for (const resolve of this.idleWaiters.splice(0)) resolve()
    })
  }
}
