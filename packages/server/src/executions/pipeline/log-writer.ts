import type { Db } from '../../db/database.ts'
import { appendEvents, type NewEvent } from '../../events/append-event.ts'
import { type Redactor, StreamRedactor } from '../../secrets/redactor.ts'
import { LineAssembler } from './log-lines.ts'

type Stream = 'stdout' | 'stderr' | 'system'

export type LogWriter = {
  write(stream: Stream, text: string): void
  /** The step (and which attempt of it) the following output belongs to. */
  setStep(step: string | null, attempt?: number): void
  /**
   * Writes the line that opens a step's attempt after a restart (see `restartBoundary`): a `system`
   * entry of its own, marked `boundary: 'restart'`, never joined with the output around it.
   */
  writeBoundary(text: string): void
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
  /**
   * A line still being written (a prompt, or a progress line) is held back for its newline at most
   * this long, then shown as it stands.
   */
  partialLineMs?: number
  /**
   * The server's data folder: paths inside it are shown relative to it (`cache/repos/…`), never as
   * the host's absolute path.
   */
  dataDir?: string
  onError?: (error: unknown) => void
}

/**
 * The line that opens a step's new attempt when a resumed execution runs it again (after a crash,
 * a shutdown, or a worker that lost its lease): the step's output so far is not continued but
 * printed again from the start, and this says so, once, between the two. docs/api.md quotes it.
 */
export const restartBoundary = (step: string, attempt: number) =>
  `— the server restarted; the ${step} step runs again from the start (attempt ${attempt}) —\n`

/**
 * Turns a command's output into `log` events: redacted (secrets split across chunks of a stream
 * included; the pipeline's own `system` messages are whole and mark the end of a command's output),
 * line-whole (stdout and stderr never meet mid-line; progress updates of a line collapse to its
 * last state: log-lines.ts), with paths in the server's data folder shown relative to it,
 * coalesced by time and size so a chatty command costs a few inserts a second, and capped per
 * execution. Each event names the step and the attempt of that step it belongs to.
 */
export function createLogWriter(options: LogWriterOptions): LogWriter {
  const interval = options.flushIntervalMs ?? 100
  const maxEvent = options.maxEventChars ?? 32 * 1024
  const maxStored = options.maxStoredChars ?? 50 * 1024 * 1024
  const partialLineMs = options.partialLineMs ?? 1000
  const redactors = new Map<Stream, StreamRedactor>()
  const lines = new Map<Stream, LineAssembler>()
  const dataDir = options.dataDir?.replace(/\/+$/, '')
  const relative = (text: string) =>
    dataDir ? text.replaceAll(`${dataDir}/`, '').replaceAll(dataDir, '.') : text
  type Entry = { stream: Stream; step: string | null; attempt?: number; boundary?: 'restart'; text: string }
  let pending: Entry[] = []
  let pendingChars = 0
  let stored = 0
  let dropped = 0
  let step: string | null = null
  let attempt: number | undefined
  const at = () => ({ step, ...(attempt ? { attempt } : {}) })
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

  const linesOf = (stream: Stream) => {
    let l = lines.get(stream)
    if (!l) {
      l = new LineAssembler({ maxPartial: maxEvent, map: relative })
      lines.set(stream, l)
    }
    return l
  }
  let partialTimer: NodeJS.Timeout | null = null
  /** Lets the lines still being written through, as they stand (a prompt waiting for input). */
  const releasePartials = () => {
    if (partialTimer) clearTimeout(partialTimer)
    partialTimer = null
    for (const [stream, l] of lines) enqueue(stream, l.take())
  }

  const enqueue = (stream: Stream, text: string) => {
    if (!text) return
    if (stored + pendingChars + text.length > maxStored) {
      if (dropped === 0)
        pending.push({
          stream: 'system',
          ...at(),
          text: `\n[log limit reached: further output is not stored]\n`,
        })
      dropped += text.length
      return
    }
    const last = pending[pending.length - 1]
    if (
      last &&
      !last.boundary &&
      last.stream === stream &&
      last.step === step &&
      last.attempt === attempt &&
      last.text.length + text.length <= maxEvent
    )
      last.text += text
    else {
      for (let i = 0; i < text.length; i += maxEvent)
        pending.push({ stream, ...at(), text: text.slice(i, i + maxEvent) })
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
      payload: {
        stream: e.stream,
        step: e.step,
        ...(e.attempt ? { attempt: e.attempt } : {}),
        ...(e.boundary ? { boundary: e.boundary } : {}),
        text: e.text,
      },
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
    for (const [stream, r] of redactors) enqueue(stream, linesOf(stream).push(r.end()))
    releasePartials()
  }

  return {
    write(stream, text) {
      if (stream !== 'system') {
        const l = linesOf(stream)
        enqueue(stream, l.push(redactorOf(stream).push(text)))
        if (l.pending) partialTimer ??= setTimeout(releasePartials, partialLineMs)
        return
      }
      // The pipeline writes its own messages whole, between commands: the commands' output is
      // complete by then, so its held-back tails go first, and the message is redacted at once.
      // (Holding back its tail too would move the end of "$ git push …" below git's output.)
      drainRedactors()
      enqueue('system', relative(options.redactor.redact(text)))
    },
    setStep(next, nextAttempt) {
      drainRedactors()
      step = next
      attempt = nextAttempt
    },
    writeBoundary(text) {
      drainRedactors()
      const entry: Entry = {
        stream: 'system',
        ...at(),
        boundary: 'restart',
        text: options.redactor.redact(text),
      }
      pending.push(entry)
      pendingChars += entry.text.length
      // Its own entry: the output that follows starts a new one.
      timer ??= setTimeout(() => void flush(), interval)
    },
    flush() {
      drainRedactors()
      return flush()
    },
    async close() {
      drainRedactors()
      if (dropped > 0) {
        pending.push({
          stream: 'system',
          ...at(),
          text: `[${dropped} characters of output were not stored]\n`,
        })
        dropped = 0
      }
      await flush()
    },
    get storedChars() {
      return stored
    },
  }
}
