import type { StreamEvent } from '@agent-squad/contract'
import { asc, gt, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { events } from '../db/schema.ts'
import { type Announcement, decodeAnnouncement } from './announcement.ts'
import { EVENTS_CHANNEL } from './append-event.ts'
import { type StreamKey, streamKeyString, streamKeysOf, toStreamEvent } from './stream-event.ts'

export type Subscriber = (event: StreamEvent) => void

export type EventHub = {
  /** Delivers every event of `key` committed from now on, in id order, until the returned function is called. */
  subscribe(key: StreamKey, subscriber: Subscriber): () => void
  /** Live subscribers in this process, all streams together (for /metrics and leak tests). */
  subscriberCount(): number
  stop(): Promise<void>
}

const FETCH_BATCH = 1000
const READ_RETRY_MS = 1000

/**
 * One per process. It LISTENs on the events channel and hands each committed event, once (not once
 * per client), to the subscribers of the streams it belongs to, in id order.
 *
 * Usually the NOTIFY carries the events themselves, and they follow on from the last id handed out:
 * NOTIFYs arrive in commit order and ids become visible in commit order, so nothing can be missing
 * and they are delivered at once. Otherwise (a gap left by a rolled-back id, a batch too big for a
 * NOTIFY, a lost LISTEN connection, a read already under way) the hub reads the log from the last id
 * it handed out. So every process on one database delivers the same events in the same order.
 */
export async function startEventHub(
  database: Database,
  options: { onError?: (error: unknown) => void } = {},
) {
  const subscribers = new Map<string, Set<Subscriber>>()
  let total = 0
  /** Every event up to here has been handed out, or passed over while nobody here listened. */
  let lastId = 0
  let announcedId = 0
  let reading: Promise<void> | null = null
  let readAgain = false
  let retryTimer: NodeJS.Timeout | null = null
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

  const deliver = (batch: StreamEvent[]) => {
    for (const event of batch) {
      if (event.id <= lastId) continue
      lastId = event.id
      dispatch(event)
    }
  }

  const readLog = async () => {
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
      deliver(rows.map(toStreamEvent))
      if (rows.length < FETCH_BATCH) return
    }
  }

  const catchUp = () => {
    if (reading) {
      readAgain = true
      return
    }
    reading = readLog()
      .catch((error) => {
        options.onError?.(error)
        // A failed read (the database restarting, say) is retried even if no NOTIFY comes to prompt it.
        retryTimer ??= setTimeout(() => {
          retryTimer = null
          if (!stopped) catchUp()
        }, READ_RETRY_MS).unref()
      })
      .finally(() => {
        reading = null
        if (readAgain && !stopped) {
          readAgain = false
          catchUp()
        }
      })
  }

  const onAnnouncement = (payload: string) => {
    let announcement: Announcement
    try {
      announcement = decodeAnnouncement(payload)
    } catch (error) {
      options.onError?.(error)
      return catchUp()
    }
    announcedId = Math.max(announcedId, announcement.lastId)
    if (announcement.lastId <= lastId) return
    const batch = announcement.events
    if (!reading && total === 0) lastId = announcement.lastId
    else if (!reading && batch?.[0]?.id === lastId + 1) deliver(batch)
    else catchUp()
  }

  const unlisten = await database.listen(EVENTS_CHANNEL, onAnnouncement)
  // After a lost LISTEN connection, read whatever committed meanwhile.
  database.onReconnect(catchUp)

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
      if (retryTimer) clearTimeout(retryTimer)
      await unlisten()
      await reading
    },
  }
  return hub
}
