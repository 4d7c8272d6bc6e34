import type { Db } from '../../db/database.ts'
import { appendEvents, type NewEvent } from '../../events/append-event.ts'
import { type Redactor, StreamRedactor } from '../../secrets/redactor.ts'

type Stream = 'stdout' | 'stderr' | 'system'

export type LogWriter = {
  write(stream: Stream, text: string): void
  /** The step the following output belongs to. */
  setStep(step: string | null): void
  flush(): Promise<void>
  close(): Promise<void>
  /** Characters stored so far (after redaction). */
  readonly storedChars: number
}

export type LogWriterOptions = {
  db: Db
  scope: { squadId: string; taskId: string; executionId: string }
  redactor: Redactor
  /** Output is written at most this often… */
  flushIntervalMs?: number
  /** …or as soon as this much is waiting. Also the largest text of one event. */
  maxEventChars?: number
  /** Beyond this, output is dropped (with one notice) so a runaway command cannot fill the database. */
  maxStoredChars?: number
  onError?: (error: unknown) => void
}

/**
 * Turns a command's output into `log` events: redacted (secrets split across chunks of a stream
 * included; the pipeline's own `system` messages are whole and mark the end of a command's output),
 * coalesced by time and size so a chatty command costs a few inserts a second, and capped per
 * execution.
 */
export function createLogWriter(options: LogWriterOptions): LogWriter {
  const interval = options.flushIntervalMs ?? 100
  const maxEvent = options.maxEventChars ?? 32 * 1024
  const maxStored = options.maxStoredChars ?? 50 * 1024 * 1024
  const redactors = new Map<Stream, StreamRedactor>()
  let pending: { stream: Stream; step: string | null; text: string }[] = []
  let pendingChars = 0
  let stored = 0
  let dropped = 0
  let step: string | null = null
  let timer: NodeJS.Timeout | null = null
  let writing: Promise<void> = Promise.resolve()

  const redactorOf = (stream: Stream) => {
    let r = redactors.get(stream)
    if (!r) {
      r = new StreamRedactor(options.redactor)
      redactors.set(stream, r)
    }
    return r
  }

  const enqueue = (stream: Stream, text: string) => {
    if (!text) return
    if (stored + pendingChars + text.length > maxStored) {
      if (dropped === 0)
        pending.push({
          stream: 'system',
          step,
          text: `\n[log limit reached: further output is not stored]\n`,
        })
      dropped += text.length
      return
    }
    const last = pending[pending.length - 1]
    if (last && last.stream === stream && last.step === step && last.text.length + text.length <= maxEvent)
      last.text += text
    else {
      for (let i = 0; i < text.length; i += maxEvent)
        pending.push({ stream, step, text: text.slice(i, i + maxEvent) })
    }
    pendingChars += text.length
    if (pendingChars >= maxEvent) void flush()
    else timer ??= setTimeout(() => void flush(), interval)
  }

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer)
    timer = null
    const batch = pending
    pending = []
    pendingChars = 0
    if (batch.length === 0) return writing
    stored += batch.reduce((n, e) => n + e.text.length, 0)
    const events: NewEvent[] = batch.map((e) => ({
      type: 'log',
      ...options.scope,
      payload: { stream: e.stream, step: e.step, text: e.text },
    }))
    // Writes stay in order: each waits for the previous one.
    writing = writing.then(() =>
      options.db
        .transaction((tx) => appendEvents(tx, events))
        .then(() => undefined)
        .catch((error) => options.onError?.(error)),
    )
    return writing
  }

  const drainRedactors = () => {
    for (const [stream, r] of redactors) enqueue(stream, r.end())
  }

  return {
    write(stream, text) {
      if (stream !== 'system') return enqueue(stream, redactorOf(stream).push(text))
      // The pipeline writes its own messages whole, between commands: the commands' output is
      // complete by then, so its held-back tails go first, and the message is redacted at once.
      // (Holding back its tail too would move the end of "$ git push …" below git's output.)
      drainRedactors()
      enqueue('system', options.redactor.redact(text))
    },
    setStep(next) {
      drainRedactors()
      step = next
    },
    flush() {
      drainRedactors()
      return flush()
    },
    async close() {
      drainRedactors()
      if (dropped > 0) {
        pending.push({ stream: 'system', step, text: `[${dropped} characters of output were not stored]\n` })
        dropped = 0
      }
      await flush()
    },
    get storedChars() {
      return stored
    },
  }
}
