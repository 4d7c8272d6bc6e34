import type { StreamEvent } from '@agent-squad/contract'
import type { events } from '../db/schema.ts'

export type EventRow = typeof events.$inferSelect

/** The one place an event-log row becomes the wire shape that streams and the API deliver. */
export function toStreamEvent(row: EventRow): StreamEvent {
  return {
    id: row.id,
    type: row.type,
    scope: row.scope,
    squad_id: row.squadId,
    task_id: row.taskId,
    execution_id: row.executionId,
    created_at: row.createdAt.toISOString(),
    payload: row.payload,
  } as StreamEvent
}

/** A stream is one squad, one task or one execution. */
export type StreamKey = { kind: 'squad' | 'task' | 'execution'; id: string }

export const streamKeyString = (key: StreamKey) => `${key.kind}:${key.id}`

/** The streams an event belongs to: execution-scoped output stays off the squad's board stream. */
export function streamKeysOf(
  event: Pick<StreamEvent, 'scope' | 'squad_id' | 'task_id' | 'execution_id'>,
): string[] {
  const keys: string[] = []
  if (event.scope !== 'execution') keys.push(`squad:${event.squad_id}`)
  if (event.task_id) keys.push(`task:${event.task_id}`)
  if (event.execution_id) keys.push(`execution:${event.execution_id}`)
  return keys
}
