import type { ConnectedEvent, StreamEvent } from '@agent-squad/contract'
import { Id } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import type { Context, Hono } from 'hono'
import type { AuthUser } from '../auth/auth-user.ts'
import { events } from '../db/schema.ts'
import { AppError, notFound } from '../domain/errors.ts'
import { readEvents } from '../events/read-events.ts'
import type { StreamKey } from '../events/stream-event.ts'
import { findOwnedExecution } from '../executions/find-owned-execution.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { findOwnedTask } from '../tasks/find-owned-task.ts'
import { authenticate } from './authenticate.ts'
import type { AppDeps } from './deps.ts'

const REPLAY_BATCH = 500
/** Live events held per client while its replay runs; beyond this the replay reads them from the log. */
const MAX_BUFFERED = 5000
/** A client this far behind is cut off; it reconnects with Last-Event-ID and replays from the log. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024
const encoder = new TextEncoder()
const frames = new WeakMap<StreamEvent, Uint8Array>()

/** Each event is serialised once, however many clients receive it. */
function frameOf(event: StreamEvent): Uint8Array {
  let frame = frames.get(event)
  if (!frame) {
    frame = encoder.encode(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
    frames.set(event, frame)
  }
  return frame
}

const kinds = { squads: 'squad', tasks: 'task', executions: 'execution' } as const

async function authorize(deps: AppDeps, user: AuthUser, key: StreamKey) {
  const db = deps.database.db
  if (key.kind === 'squad') await findOwnedSquad(db, user, key.id)
  else if (key.kind === 'task') await findOwnedTask(db, user, key.id)
  else await findOwnedExecution(db, user, key.id)
}

/** `Last-Event-ID` header (what EventSource sends on reconnect), else `?last_event_id=` for the first request. */
function lastEventIdOf(c: Context): number {
  const raw = c.req.header('last-event-id') ?? c.req.query('last_event_id')
  if (raw === undefined || raw === '') return 0
  if (!/^\d{1,15}$/.test(raw.trim()))
    throw new AppError('validation_failed', 'Last-Event-ID must be the id of an event this server sent')
  return Number(raw.trim())
}

/** The id of the log's newest event (0 when empty): one probe of the primary key's index. */
async function newestEventId(deps: AppDeps): Promise<number> {
  const [row] = await deps.database.db
    .select({ id: sql<string | number | null>`max(${events.id})` })
    .from(events)
  return Number(row?.id ?? 0)
}

export function mountSse(app: Hono, deps: AppDeps) {
  for (const [segment, kind] of Object.entries(kinds)) {
    app.get(`/api/v1/sse/${segment}/:id`, async (c) => {
      // EventSource cannot send a header: the one place a token may come in the query string.
      const user = await authenticate(c, deps, { query: true })
      const id = c.req.param('id')
      if (!Id.safeParse(id).success) throw notFound(kind, id)
      const key: StreamKey = { kind, id }
      await authorize(deps, user, key)
      const requested = lastEventIdOf(c)
      // An id the log never reached (another database, or one reset since) would wait forever for
      // "later" events and skip everything before them: replay from the start instead, saying so.
      const reset = requested > 0 && requested > (await newestEventId(deps))
      return openStream(c, deps, key, reset ? 0 : requested, reset)
    })
  }
}

/**
 * Replays the stream from the log after `afterId`, then goes live, without a gap or a duplicate:
 * the live subscription starts before the first replay query, live events that arrive meanwhile wait
 * in a buffer, and an event is sent only if its id is above the last one sent. The replay reads one
 * batch at a time, and only once the client has taken the previous one.
 */
function openStream(c: Context, deps: AppDeps, key: StreamKey, afterId: number, reset = false) {
  let lastSent = afterId
  let closed = false
  let close = () => {}
  let onPull = () => {}

  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const write = (text: string) => {
          if (!closed) controller.enqueue(encoder.encode(text))
        }
        const send = (event: StreamEvent, phase: 'replay' | 'live') => {
          if (closed || event.id <= lastSent) return
          lastSent = event.id
          controller.enqueue(frameOf(event))
          deps.metrics.sseEventsSent.inc({ phase })
          // The replay waits for room instead (below); live events cannot wait.
          if (phase === 'live' && (controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) {
            deps.logger.warn({ stream: key, lastSent }, 'SSE client too slow; closing so it can resume')
            close()
            controller.close()
          }
        }

        // Live events that arrive during the replay. Past MAX_BUFFERED they are dropped and the
        // replay reads once more instead: they are all in the log by then.
        let buffer: StreamEvent[] | null = []
        let dropped = false
        const unsubscribe = deps.hub.subscribe(key, (event) => {
          if (!buffer) return send(event, 'live')
          if (buffer.length < MAX_BUFFERED) buffer.push(event)
          else {
            buffer = []
            dropped = true
          }
        })
        const heartbeat = setInterval(
          () => write(`event: heartbeat\ndata: {"time":"${new Date().toISOString()}"}\n\n`),
          deps.config.SQUAD_HEARTBEAT_MS,
        )
        heartbeat.unref()
        deps.metrics.sseClients.inc()
        close = () => {
          if (closed) return
          closed = true
          clearInterval(heartbeat)
          unsubscribe()
          onPull()
          deps.metrics.sseClients.dec()
        }
        c.req.raw.signal.addEventListener('abort', close, { once: true })

        const connected: ConnectedEvent = {
          stream: `${key.kind}:${key.id}`,
          last_event_id: afterId || null,
          ...(reset ? { reset: true } : {}),
          server_time: new Date().toISOString(),
          heartbeat_ms: deps.config.SQUAD_HEARTBEAT_MS,
        }
        write(`retry: 2000\nevent: connected\ndata: ${JSON.stringify(connected)}\n\n`)

        const full = () => !closed && (controller.desiredSize ?? 1) <= 0
        const room = () =>
          new Promise<void>((resolve) => {
            onPull = resolve
          })
        const replay = async () => {
          for (;;) {
            if (full()) await room()
            if (closed) return
            // Whatever was dropped before this query started is committed, so this query reads it.
            dropped = false
            const batch = await readEvents(deps.database.db, { key, afterId: lastSent, limit: REPLAY_BATCH })
            for (const event of batch) {
              if (full()) await room()
              send(event, 'replay')
            }
            if (batch.length < REPLAY_BATCH && !dropped) break
          }
          const pending = buffer ?? []
          buffer = null
          for (const event of pending) send(event, 'live')
        }
        replay().catch((error) => {
          deps.logger.error({ err: error, stream: key }, 'SSE replay failed')
          close()
          try {
            controller.error(error)
          } catch {}
        })
      },
      pull() {
        onPull()
      },
      cancel() {
        close()
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  )

  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  })
}
