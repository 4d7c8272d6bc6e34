import type { ExecutionWithSteps, StreamEvent } from '@agent-squad/contract'
import type { ApiClient } from './api-client.ts'
import { readSse } from './api-client.ts'

const done = new Set(['succeeded', 'failed', 'cancelled', 'no_changes'])
const icon: Record<string, string> = { running: '…', succeeded: '✓', failed: '✗', skipped: '–', pending: ' ' }

export type WatchOutput = { out: NodeJS.WritableStream; err: NodeJS.WritableStream; color: boolean }

/**
 * Follows an execution until it ends: step progress and git progress on stderr, the live terminal
 * log on stdout. Reconnects with Last-Event-ID, so a dropped connection loses nothing. Resolves with
 * the final execution.
 */
export async function watchExecution(client: ApiClient, executionId: string, io: WatchOutput) {
  const dim = (s: string) => (io.color ? `\x1b[2m${s}\x1b[0m` : s)
  let lastId: string | null = null
  let final: ExecutionWithSteps | null = null
  for (let attempt = 0; attempt < 20 && !final; attempt++) {
    const res: Response | null = await fetch(`${client.base}/api/v1/sse/executions/${executionId}`, {
      headers: client.headers(lastId ? { 'last-event-id': lastId } : {}),
    }).catch(() => null)
    if (!res?.ok || !res.body) {
      if (res && res.status < 500)
        throw new Error(`Cannot watch execution ${executionId}: HTTP ${res.status}`)
      await new Promise((r) => setTimeout(r, 1000))
      continue
    }
    for await (const message of readSse(res.body)) {
      if (message.id) lastId = message.id
      if (message.event === 'connected' || message.event === 'heartbeat') continue
      const event = JSON.parse(message.data) as StreamEvent
      switch (event.type) {
        case 'log':
          io.out.write(event.payload.text)
          break
        case 'step.updated':
          if (event.payload.status !== 'pending') {
            const took =
              event.payload.duration_ms != null ? ` ${(event.payload.duration_ms / 1000).toFixed(2)} s` : ''
            io.err.write(dim(`[${icon[event.payload.status] ?? '?'}] ${event.payload.name}${took}\n`))
          }
          break
        case 'git.progress':
          if (event.payload.phase !== 'progress')
            io.err.write(dim(`    git ${event.payload.operation}: ${event.payload.message}\n`))
          break
        case 'execution.updated':
          if (event.payload.status === 'queued' && event.payload.queue_position)
            io.err.write(dim(`queued (position ${event.payload.queue_position})\n`))
          if (done.has(event.payload.status)) {
            final = await client.get<ExecutionWithSteps>(`/api/v1/executions/${executionId}`)
          }
          break
        default:
          break
      }
      if (final) break
    }
  }
  if (!final) final = await client.get<ExecutionWithSteps>(`/api/v1/executions/${executionId}`)
  return final
}
