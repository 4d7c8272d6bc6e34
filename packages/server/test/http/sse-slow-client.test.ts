import http from 'node:http'
import type { StreamEvent } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  append,
  createSquad,
  createTaskAndExecution,
  eventually,
  logIds,
  logLine,
} from '../events/event-fixtures.ts'
import { createSseParser, openSse } from '../helpers/sse-client.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

/** A client that connects, then stops reading (a stalled tab, a dead link) until told to go on. */
async function stalledClient(url: string) {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    http.get(url, { headers: { accept: 'text/event-stream' } }, resolve).on('error', reject)
  })
  res.pause()
  const events: StreamEvent[] = []
  const parser = createSseParser({
    onMessage: (m) => {
      if (m.id !== null) events.push(JSON.parse(m.data))
    },
  })
  res.setEncoding('utf8')
  const ended = new Promise<void>((resolve) => res.on('close', resolve))
  return {
    events,
    ended,
    resume() {
      res.on('data', (chunk: string) => parser.feed(chunk))
      res.resume()
    },
    destroy: () => res.destroy(),
  }
}

const sentTotal = async (server: TestServer, phase: 'replay' | 'live') => {
  const text = await server.deps.metrics.registry.getSingleMetricAsString('squad_sse_events_sent_total')
  const line = text.split('\n').find((l) => l.startsWith(`squad_sse_events_sent_total{phase="${phase}"}`))
  return Number(line?.split(' ')[1] ?? 0)
}

// Sizes are chosen to outgrow the loopback socket buffers (a few MB each way) and the server's limits.
const text = (kb: number, tag: string) => `${tag} ${'x'.repeat(kb * 1024)}`

describe.skipIf(skipReason)('SSE and clients that stop reading', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('pauses the replay for a stalled client, bounds what it buffers meanwhile, and still delivers everything once', async () => {
    const db = server.db.database.db
    const squad = await createSquad(server, 'stalled replay')
    const { execution } = await createTaskAndExecution(db, squad.id)
    // 10 MB of backlog (about 4 MB fit in the loopback socket buffers).
    for (let i = 0; i < 25; i++)
      await append(
        db,
        ...Array.from({ length: 100 }, (_, j) => logLine(execution, text(4, `backlog ${i}.${j}`))),
      )
    const replayedBefore = await sentTotal(server, 'replay')

    const client = await stalledClient(`${server.url}/api/v1/sse/executions/${execution.id}`)
    // 5,100 live events arrive while the replay waits for the client: more than a stream buffers.
    for (let i = 0; i < 51; i++)
      await append(db, ...Array.from({ length: 100 }, (_, j) => logLine(execution, `live ${i}.${j}`)))
    const replayed = (await sentTotal(server, 'replay')) - replayedBefore
    expect(replayed, 'the replay waited for the stalled client').toBeLessThan(2500)

    client.resume()
    const log = await logIds(db, { kind: 'execution', id: execution.id })
    expect(log).toHaveLength(7600)
    await eventually(() => client.events.length >= log.length, 30_000)
    expect(client.events.map((e) => e.id)).toEqual(log)
    client.destroy()
  })

  it('cuts off a client that falls too far behind live, which then resumes from its last id', async () => {
    const db = server.db.database.db
    const squad = await createSquad(server, 'stalled live')
    const { execution } = await createTaskAndExecution(db, squad.id)
    const before = server.deps.hub.subscriberCount()
    const client = await stalledClient(`${server.url}/api/v1/sse/executions/${execution.id}`)
    await eventually(() => server.deps.hub.subscriberCount() === before + 1)

    // 24 MB of output, live: past the socket buffers and the server's 8 MB per-client queue.
    for (let i = 0; i < 24; i++)
      await append(
        db,
        ...Array.from({ length: 16 }, (_, j) => logLine(execution, text(64, `live ${i}.${j}`))),
      )
    await eventually(() => server.deps.hub.subscriberCount() === before, 10_000)

    client.resume()
    await client.ended
    const log = await logIds(db, { kind: 'execution', id: execution.id })
    const got = client.events.map((e) => e.id)
    expect(got.length).toBeGreaterThan(0)
    expect(got.length).toBeLessThan(log.length)
    expect(got).toEqual(log.slice(0, got.length))

    const resumed = await openSse(`${server.url}/api/v1/sse/executions/${execution.id}`, {
      lastEventId: got.at(-1) as number,
    })
    await resumed.waitForEvents(log.length - got.length, { timeoutMs: 20_000 })
    expect([...got, ...resumed.events.map((e) => e.id)]).toEqual(log)
    resumed.abort()
  })
})
