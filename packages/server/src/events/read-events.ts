import type { StreamEvent } from '@agent-squad/contract'
import { and, asc, eq, gt, ne } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { events } from '../db/schema.ts'
import { type StreamKey, toStreamEvent } from './stream-event.ts'

const filterOf = (key: StreamKey) => {
  switch (key.kind) {
    case 'squad':
      return and(eq(events.squadId, key.id), ne(events.scope, 'execution'))
    case 'task':
      return eq(events.taskId, key.id)
    case 'execution':
      return eq(events.executionId, key.id)
  }
}

/** Events of one stream after `afterId`, oldest first: the replay half of every SSE stream. */
export async function readEvents(
  db: Executor,
  options: { key: StreamKey; afterId: number; limit: number },
): Promise<StreamEvent[]> {
  const rows = await db
    .select()
    .from(events)
    .where(and(filterOf(options.key), gt(events.id, options.afterId)))
    .orderBy(asc(events.id))
    .limit(options.limit)
  return rows.map(toStreamEvent)
}
