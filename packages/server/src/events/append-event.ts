import type { EventPayload, EventType } from '@agent-squad/contract'
import { eventsByType } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { events } from '../db/schema.ts'
import { eventAppendSeconds, eventsAppended } from '../observability/event-log-metrics.ts'
import { encodeAnnouncement } from './announcement.ts'
import { toStreamEvent } from './stream-event.ts'

/** The NOTIFY channel every committed batch of events is announced on (payload: see announcement.ts). */
export const EVENTS_CHANNEL = 'squad_events'

/** Arbitrary, fixed advisory-lock key that orders event-log writers (see below). */
const EVENT_LOG_LOCK_KEY = 7_343_002

/** An event to append; `type` picks the payload's type. */
export type NewEvent = {
  [T in EventType]: {
    type: T
    squadId: string
    taskId?: string | null
    executionId?: string | null
    payload: EventPayload<T>
  }
}[EventType]

/**
 * Appends events to the log inside the caller's transaction and announces them with NOTIFY, which
 * Postgres delivers only if and when that transaction commits (see announcement.ts for the payload).
 *
 * Why the lock: ids come from a sequence when the row is inserted, but transactions commit in any
 * order, so a reader asking for "id > N" could see id 12 before id 11 commits and then never look
 * back. Taking a transaction-scoped advisory lock first means the next writer cannot get an id until
 * this one has committed (the lock is released after the commit is visible), so visible ids always
 * form a prefix. Append events as the last statement of a transaction to hold the lock briefly.
 */
export async function appendEvents(tx: Executor, batch: NewEvent[]): Promise<number[]> {
  if (batch.length === 0) return []
  const values = batch.map((event) => {
    const definition = eventsByType.get(event.type)
    if (!definition) throw new Error(`unknown event type ${event.type}`)
    return {
      type: event.type,
      scope: definition.scope,
      squadId: event.squadId,
      taskId: event.taskId ?? null,
      executionId: event.executionId ?? null,
      payload: event.payload,
    }
  })
  const started = performance.now()
  await tx.execute(sql`select pg_advisory_xact_lock(${EVENT_LOG_LOCK_KEY})`)
  // The rows as stored (jsonb-normalised payload, default created_at): exactly what a replay reads.
  const rows = await tx.insert(events).values(values).returning()
  const appended = rows.map(toStreamEvent).sort((a, b) => a.id - b.id)
  await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${encodeAnnouncement(appended)})`)
  eventAppendSeconds.observe((performance.now() - started) / 1000)
  eventsAppended.inc(appended.length)
  return appended.map((e) => e.id)
}

export const appendEvent = (tx: Executor, event: NewEvent) => appendEvents(tx, [event])
