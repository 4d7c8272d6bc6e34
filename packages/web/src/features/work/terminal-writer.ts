/** The part of an xterm Terminal the writer needs. */
export type TerminalLike = { write(data: string, callback?: () => void): void }

export type TerminalWriterOptions = {
  /** At most this many characters are handed to the terminal per frame… */
  maxFrameChars?: number
  /** …in writes of at most this many, so xterm.js can yield between them while it parses. */
  maxWriteChars?: number
  schedule?: (fn: () => void) => void
}

const nextFrame = (fn: () => void) =>
  typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => fn()) : setTimeout(fn, 16)

/**
 * Feeds text to a terminal without ever blocking the page: what arrives is queued, once per frame
 * up to `maxFrameChars` are handed over in writes of at most `maxWriteChars` (xterm.js parses each
 * write in one go but yields between writes), and the next frame's batch waits until the terminal
 * has parsed the last one (its write callback). A multi-megabyte replay streams in steadily instead
 * of freezing the tab.
 */
export class TerminalWriter {
  private readonly terminal: TerminalLike
  private readonly maxFrame: number
  private readonly maxWrite: number
  private readonly schedule: (fn: () => void) => void
  private queue: string[] = []
  private head = 0
  private queued = 0
  private scheduled = false
  private writing = false
  private disposed = false
  private written = 0
  private idleWaiters: (() => void)[] = []

  constructor(terminal: TerminalLike, options: TerminalWriterOptions = {}) {
    this.terminal = terminal
    this.maxFrame = options.maxFrameChars ?? 256 * 1024
    this.maxWrite = Math.min(options.maxWriteChars ?? 32 * 1024, this.maxFrame)
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
    this.head = 0
    this.queued = 0
    for (const resolve of this.idleWaiters.splice(0)) resolve()
  }

  private kick() {
    if (this.scheduled || this.writing || !this.queued) return
    this.scheduled = true
    this.schedule(() => this.flush())
  }

  /** Up to `limit` characters from the front of the queue, without copying the rest of it. */
  private take(limit: number): string {
    const parts: string[] = []
    let size = 0
    while (size < limit && this.head < this.queue.length) {
      const piece = this.queue[this.head] as string
      const room = limit - size
      if (piece.length <= room) {
        parts.push(piece)
        size += piece.length
        this.head++
      } else {
        parts.push(piece.slice(0, room))
        this.queue[this.head] = piece.slice(room)
        size += room
      }
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
    this.queued -= size
    return parts.join('')
  }

  private flush() {
    this.scheduled = false
    if (this.disposed || !this.queued) return
    const writes: string[] = []
    for (let budget = this.maxFrame; budget > 0 && this.queued > 0; ) {
      const piece = this.take(Math.min(this.maxWrite, budget))
      writes.push(piece)
      budget -= piece.length
    }
    this.writing = true
    writes.forEach((piece, i) => {
      const last = i === writes.length - 1
      this.terminal.write(
        piece,
        last
          ? () => {
              this.writing = false
              for (const w of writes) this.written += w.length
              if (this.queued) this.kick()
              else for (const resolve of this.idleWaiters.splice(0)) resolve()
            }
          : undefined,
      )
    })
  }
}
