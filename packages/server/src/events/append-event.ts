import type { EventPayload, EventType } from '@agent-squad/contract'
import { eventsByType } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { events } from '../db/schema.ts'

/** The NOTIFY channel every committed event is announced on (payload: the highest new id). */
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
 * Postgres delivers only if and when that transaction commits.
 *
 * Why the lock: ids come from a sequence when the row is inserted, but transactions commit in any
 * order, so a reader asking for "id > N" could see id 12 before id 11 commits and then never look
 * back. Taking a transaction-scoped advisory lock first means the next writer cannot get an id until
 * this one has committed (the lock is released after the commit is visible), so visible ids always
 * form a prefix. Append events as the last statement of a transaction to hold the lock briefly.
 */
export async function appendEvents(tx: Executor, batch: NewEvent[]): Promise<number[]> {
  if (batch.length === 0) return []
  for (const event of batch) {
    const definition = eventsByType.get(event.type)
    if (!definition) throw new Error(`unknown event type ${event.type}`)
  }
  await tx.execute(sql`select pg_advisory_xact_lock(${EVENT_LOG_LOCK_KEY})`)
  const rows = await tx
    .insert(events)
    .values(
      batch.map((event) => ({
        type: event.type,
        scope: eventsByType.get(event.type)?.scope ?? 'squad',
        squadId: event.squadId,
        taskId: event.taskId ?? null,
        executionId: event.executionId ?? null,
        payload: event.payload,
      })),
    )
    .returning({ id: events.id })
  const ids = rows.map((r) => r.id)
  await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${String(Math.max(...ids))})`)
  return ids
}

export const appendEvent = (tx: Executor, event: NewEvent) => appendEvents(tx, [event])
