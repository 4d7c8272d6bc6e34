import type { StreamEvent } from '@agent-squad/contract'

/**
 * What a committed transaction announces on the events channel: its new events themselves (as JSON,
 * so a listening process can skip reading the log) or, when they are too big for a NOTIFY (Postgres
 * refuses 8000 bytes), only the last new id. Either way the log stays the source of truth: a
 * listener that cannot prove it missed nothing in between (see event-hub.ts) reads the log instead.
 */
export type Announcement = { lastId: number; events: StreamEvent[] | null }

const MAX_PAYLOAD_BYTES = 7900

export function encodeAnnouncement(events: StreamEvent[]): string {
  const json = JSON.stringify(events)
  // Most payloads are ASCII-sized well below the limit: count bytes only near it.
  if (json.length * 3 < MAX_PAYLOAD_BYTES || Buffer.byteLength(json) < MAX_PAYLOAD_BYTES) return json
  return String(events.at(-1)?.id ?? 0)
}

export function decodeAnnouncement(payload: string): Announcement {
  if (!payload.startsWith('[')) return { lastId: Number(payload) || 0, events: null }
  const events = JSON.parse(payload) as StreamEvent[]
  return { lastId: events.at(-1)?.id ?? 0, events }
}
