import { Id, type StreamEvent } from '@agent-squad/contract'
import type { Hono } from 'hono'
import { notFound } from '../domain/errors.ts'
import { readEvents } from '../events/read-events.ts'
import { findOwnedExecution } from '../executions/find-owned-execution.ts'
import { authenticate } from './authenticate.ts'
import type { AppDeps } from './deps.ts'

const BATCH = 2000
const encoder = new TextEncoder()

/**
 * `GET /api/v1/executions/:id/log`: the execution's whole terminal output as plain text, streamed
 * from the event log (already redacted when it was stored), for download.
 */
export function mountExecutionLog(app: Hono, deps: AppDeps) {
  app.get('/api/v1/executions/:id/log', async (c) => {
    const user = await authenticate(c, deps)
    const id = c.req.param('id')
    if (!Id.safeParse(id).success) throw notFound('Execution', id)
    await findOwnedExecution(deps.database.db, user, id)
    let after = 0
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const batch = await readEvents(deps.database.db, {
          key: { kind: 'execution', id },
          afterId: after,
          limit: BATCH,
        })
        for (const event of batch as StreamEvent[]) {
          after = event.id
          if (event.type === 'log') controller.enqueue(encoder.encode(event.payload.text))
        }
        if (batch.length < BATCH) controller.close()
      },
    })
    return new Response(body, {
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'content-disposition': `attachment; filename="execution-${id}.log"`,
      },
    })
  })
}
