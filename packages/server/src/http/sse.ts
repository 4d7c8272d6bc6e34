import type { ConnectedEvent, StreamEvent } from '@agent-squad/contract'
import { Id } from '@agent-squad/contract'
import type { Context, Hono } from 'hono'
import type { AuthUser } from '../auth/auth-user.ts'
import { AppError, notFound } from '../domain/errors.ts'
import { readEvents } from '../events/read-events.ts'
import type { StreamKey } from '../events/stream-event.ts'
import { findOwnedExecution } from '../executions/find-owned-execution.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { findOwnedTask } from '../tasks/find-owned-task.ts'
import { authenticate } from './authenticate.ts'
import type { AppDeps } from './deps.ts'

const REPLAY_BATCH = 500
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

export function mountSse(app: Hono, deps: AppDeps) {
  for (const [segment, kind] of Object.entries(kinds)) {
    app.get(`/api/v1/sse/${segment}/:id`, async (c) => {
      const user = await authenticate(c, deps)
      const id = c.req.param('id')
      if (!Id.safeParse(id).success) throw notFound(kind, id)
      const key: StreamKey = { kind, id }
      await authorize(deps, user, key)
      const afterId = lastEventIdOf(c)
      return openStream(c, deps, key, afterId)
    })
  }
}

/**
 * Replays the stream from the log after `afterId`, then goes live, without a gap or a duplicate:
 * the live subscription starts before the replay query, events that arrive meanwhile wait in a
 * buffer, and every event is sent only if its id is above the last one sent.
 */
function openStream(c: Context, deps: AppDeps, key: StreamKey, afterId: number) {
  let lastSent = afterId
  let closed = false
  let cleanup = () => {}

  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const send = (event: StreamEvent, phase: 'replay' | 'live') => {
          if (closed || event.id <= lastSent) return
          lastSent = event.id
          controller.enqueue(frameOf(event))
          deps.metrics.sseEventsSent.inc({ phase })
          if ((controller.desiredSize ?? 0) < -MAX_QUEUED_BYTES) {
            deps.logger.warn({ stream: key, lastSent }, 'SSE client too slow; closing so it can resume')
            close()
            controller.close()
          }
        }
        const write = (text: string) => {
          if (!closed) controller.enqueue(encoder.encode(text))
        }

        let buffer: StreamEvent[] | null = []
        const unsubscribe = deps.hub.subscribe(key, (event) => {
          if (buffer) buffer.push(event)
          else send(event, 'live')
        })
        const heartbeat = setInterval(
          () => write(`event: heartbeat\ndata: {"time":"${new Date().toISOString()}"}\n\n`),
          deps.config.SQUAD_HEARTBEAT_MS,
        )
        heartbeat.unref()
        deps.metrics.sseClients.inc()
        const close = () => {
          if (closed) return
          closed = true
          clearInterval(heartbeat)
          unsubscribe()
          deps.metrics.sseClients.dec()
        }
        cleanup = close
        c.req.raw.signal.addEventListener('abort', close, { once: true })

        const connected: ConnectedEvent = {
          stream: `${key.kind}:${key.id}`,
          last_event_id: afterId || null,
          server_time: new Date().toISOString(),
          heartbeat_ms: deps.config.SQUAD_HEARTBEAT_MS,
        }
        write(`retry: 2000\nevent: connected\ndata: ${JSON.stringify(connected)}\n\n`)

        const replay = async () => {
          while (!closed) {
            const batch = await readEvents(deps.database.db, { key, afterId: lastSent, limit: REPLAY_BATCH })
            for (const event of batch) send(event, 'replay')
            if (batch.length < REPLAY_BATCH) break
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
      cancel() {
        cleanup()
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
