import { eventsByType } from '@agent-squad/contract'
import type { AgentEvent } from '../../agents/runtime/agent-runtime.ts'
import type { Db } from '../../db/database.ts'
import { appendEvents, type NewEvent } from '../../events/append-event.ts'
import type { Redactor } from '../../secrets/redactor.ts'
import type { LogWriter } from './log-writer.ts'

export type AgentEventSink = {
  emit(event: AgentEvent): void
  /** Writes what is waiting; resolves once every event emitted so far is stored. */
  close(): Promise<void>
}

export type AgentEventSinkOptions = {
  db: Db
  scope: { squadId: string; taskId: string; executionId: string }
  redactor: Redactor
  /** The execution's log: its pending output is written before each batch of events. */
  log: Pick<LogWriter, 'flush'>
  flushIntervalMs?: number
  /** A batch is written as soon as this many events wait. */
  maxBatch?: number
  /** Longest text kept of one string in a payload (a tool's output, a file it read). */
  maxTextChars?: number
  onError?: (error: unknown) => void
}

/** Redacts every string in a JSON value and cuts long ones, so one tool result cannot bloat the log. */
export function sanitizeValue(value: unknown, redactor: Redactor, maxChars: number, depth = 0): unknown {
  if (typeof value === 'string') {
    const clean = redactor.redact(value)
    return clean.length > maxChars
      ? `${clean.slice(0, maxChars)}… [${clean.length - maxChars} more characters]`
      : clean
  }
  if (value === null || typeof value !== 'object') return value
  if (depth > 20) return '[nested too deeply]'
  if (Array.isArray(value)) return value.map((item) => sanitizeValue(item, redactor, maxChars, depth + 1))
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      redactor.redact(key),
      sanitizeValue(item, redactor, maxChars, depth + 1),
    ]),
  )
}

/**
 * Turns an agent's conversation into events in the execution's log: each payload redacted (the
 * execution's redactor knows the model key and the forge token), long strings cut, validated
 * against the contract, then written in batches, in order, after the log output that preceded them.
 */
export function createAgentEventSink(options: AgentEventSinkOptions): AgentEventSink {
  const interval = options.flushIntervalMs ?? 100
  const maxBatch = options.maxBatch ?? 200
  const maxText = options.maxTextChars ?? 16 * 1024
  let pending: NewEvent[] = []
  let timer: NodeJS.Timeout | null = null
  let writing: Promise<void> = Promise.resolve()

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer)
    timer = null
    const batch = pending
    pending = []
    if (batch.length === 0) return writing
    const logged = options.log.flush()
    writing = writing
      .then(() => logged)
      .then(() => options.db.transaction((tx) => appendEvents(tx, batch)))
      .then(() => undefined)
      .catch((error) => options.onError?.(error))
    return writing
  }

  return {
    emit(event) {
      const definition = eventsByType.get(event.type)
      const parsed = definition?.payload.safeParse(sanitizeValue(event.payload, options.redactor, maxText))
      if (!parsed?.success) {
        options.onError?.(
          new Error(`invalid ${event.type} event: ${parsed?.error.message ?? 'unknown type'}`),
        )
        return
      }
      pending.push({ type: event.type, ...options.scope, payload: parsed.data } as NewEvent)
      if (pending.length >= maxBatch) void flush()
      else timer ??= setTimeout(() => void flush(), interval)
    },
    close: flush,
  }
}
