import type { StreamEvent } from '@agent-squad/contract'
import { asc, gt, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { events } from '../db/schema.ts'
import { EVENTS_CHANNEL } from './append-event.ts'
import { type StreamKey, streamKeyString, streamKeysOf, toStreamEvent } from './stream-event.ts'

export type Subscriber = (event: StreamEvent) => void

export type EventHub = {
  /** Delivers every event of `key` committed from now on, in id order, until the returned function is called. */
  subscribe(key: StreamKey, subscriber: Subscriber): () => void
  /** Live subscribers, by stream kind (for /metrics and leak tests). */
  subscriberCount(): number
  stop(): Promise<void>
}

const FETCH_BATCH = 1000

/**
 * One per process. It LISTENs on the events channel and, on each NOTIFY, reads the new rows once
 * (not once per client) and hands them to the subscribers of the streams they belong to. Because it
 * reads from the log rather than trusting NOTIFY payloads, every process on one database, including
 * ones that missed a notification during a reconnect, delivers the same events in the same order.
 */
export async function startEventHub(
  database: Database,
  options: { onError?: (error: unknown) => void } = {},
) {
  const subscribers = new Map<string, Set<Subscriber>>()
  let total = 0
  let lastId = 0
  let announcedId = 0
  let fetching: Promise<void> | null = null
  let again = false
  let stopped = false

  const [maxRow] = await database.db.select({ max: sql<string | null>`max(${events.id})` }).from(events)
  lastId = Number(maxRow?.max ?? 0)
  announcedId = lastId

  const dispatch = (event: StreamEvent) => {
    for (const key of streamKeysOf(event)) {
      const set = subscribers.get(key)
      if (!set) continue
      for (const subscriber of set) {
        try {
          subscriber(event)
        } catch (error) {
          options.onError?.(error)
        }
      }
    }
  }

  const drain = async () => {
    while (!stopped) {
      if (total === 0) {
        // Nobody listens here: skip reading. A later subscriber replays from the log by itself.
        lastId = Math.max(lastId, announcedId)
        return
      }
      const rows = await database.db
        .select()
        .from(events)
        .where(gt(events.id, lastId))
        .orderBy(asc(events.id))
        .limit(FETCH_BATCH)
      for (const row of rows) {
        lastId = row.id
        dispatch(toStreamEvent(row))
      }
      if (rows.length < FETCH_BATCH) return
    }
  }

  const poke = () => {
    if (fetching) {
      again = true
      return
    }
    fetching = drain()
      .catch((error) => options.onError?.(error))
      .finally(() => {
        fetching = null
        if (again && !stopped) {
          again = false
          poke()
        }
      })
  }

  const unlisten = await database.listen(EVENTS_CHANNEL, (payload) => {
    const id = Number(payload)
    if (Number.isFinite(id)) announcedId = Math.max(announcedId, id)
    poke()
  })
  // After a lost LISTEN connection, read whatever committed meanwhile.
  database.onReconnect(poke)

  const hub: EventHub = {
    subscribe(key, subscriber) {
      const k = streamKeyString(key)
      const set = subscribers.get(k) ?? new Set<Subscriber>()
      subscribers.set(k, set)
      set.add(subscriber)
      total++
      let active = true
      return () => {
        if (!active) return
        active = false
        set.delete(subscriber)
        total--
        if (set.size === 0) subscribers.delete(k)
      }
    },
    subscriberCount: () => total,
    async stop() {
      stopped = true
      await unlisten()
      await fetching
    },
  }
  return hub
}
