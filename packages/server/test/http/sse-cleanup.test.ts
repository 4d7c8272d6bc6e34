import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  append,
  createSquad,
  createTaskAndExecution,
  eventually,
  logLine,
  squadUpdated,
} from '../events/event-fixtures.ts'
import { openSse } from '../helpers/sse-client.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

async function sseClientsGauge(server: TestServer): Promise<number> {
  const res = await fetch(`${server.url}/metrics`, {
    headers: { authorization: `Bearer ${server.localToken}` },
  })
  const line = (await res.text()).split('\n').find((l) => l.startsWith('squad_sse_clients '))
  if (!line) throw new Error('squad_sse_clients is missing from /metrics')
  return Number(line.split(' ')[1])
}

describe.skipIf(skipReason)('SSE cleanup', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ env: { SQUAD_HEARTBEAT_MS: '100' } })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('leaves no listener behind when clients go away mid-stream, while events flow', async () => {
    const db = server.db.database.db
    const squad = await createSquad(server, 'leaks')
    const { task, execution } = await createTaskAndExecution(db, squad.id)
    const before = server.deps.hub.subscriberCount()
    expect(await sseClientsGauge(server)).toBe(0)

    let writing = true
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await append(db, squadUpdated(squad, `n${i}`), logLine(execution, `l${i}`))
        // PGlite answers in microtasks: without a pause this loop would starve the event loop.
        await new Promise((r) => setTimeout(r, 2))
      }
    })()
    const paths = [`squads/${squad.id}`, `tasks/${task.id}`, `executions/${execution.id}`]
    const clients = await Promise.all(
      Array.from({ length: 9 }, (_, i) => openSse(`${server.url}/api/v1/sse/${paths[i % 3]}`)),
    )
    await Promise.all(clients.map((c) => c.waitForEvents(3)))
    expect(server.deps.hub.subscriberCount()).toBe(before + 9)
    expect(await sseClientsGauge(server)).toBe(9)

    for (const client of clients) client.abort()
    await eventually(() => server.deps.hub.subscriberCount() === before)
    await eventually(async () => (await sseClientsGauge(server)) === 0)
    writing = false
    await writer
  })

  it('cleans up a client that leaves during the replay of a long backlog', async () => {
    const db = server.db.database.db
    const squad = await createSquad(server, 'backlog')
    for (let i = 0; i < 12; i++)
      await append(db, ...Array.from({ length: 100 }, (_, j) => squadUpdated(squad, `b${i}.${j}`)))
    const before = server.deps.hub.subscriberCount()
    const client = await openSse(`${server.url}/api/v1/sse/squads/${squad.id}`)
    await client.waitForEvents(1)
    client.abort()
    await eventually(() => server.deps.hub.subscriberCount() === before)
    await eventually(async () => (await sseClientsGauge(server)) === 0)
    // What it did receive was a clean prefix of the log.
    const ids = client.events.map((e) => e.id)
    expect(ids.length).toBeLessThan(1201)
    expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number))).toBe(true)
  })

  it('closes promptly with streams open, ending each stream and dropping every subscriber', async () => {
    const other = await startTestServer({ env: { SQUAD_HEARTBEAT_MS: '100' } })
    const squad = await createSquad(other, 'closing')
    const clients = await Promise.all(
      Array.from({ length: 5 }, () => openSse(`${other.url}/api/v1/sse/squads/${squad.id}`)),
    )
    await Promise.all(clients.map((c) => c.waitForEvents(1)))
    expect(other.deps.hub.subscriberCount()).toBe(5)

    const started = Date.now()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      other.stop(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('server.close() hung with streams open')), 5000)
      }),
    ])
    clearTimeout(timer)
    expect(Date.now() - started).toBeLessThan(5000)
    await Promise.all(clients.map((c) => c.done))
    expect(clients.every((c) => c.ended)).toBe(true)
    expect(other.deps.hub.subscriberCount()).toBe(0)
    expect(await other.deps.metrics.registry.getSingleMetricAsString('squad_sse_clients')).toMatch(
      /squad_sse_clients 0$/m,
    )
  })
})
