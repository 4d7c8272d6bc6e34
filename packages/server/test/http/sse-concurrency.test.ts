import type { StreamEvent } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEvents } from '../../src/events/read-events.ts'
import type { StreamKey } from '../../src/events/stream-event.ts'
import {
  append,
  createSquad,
  createTaskAndExecution,
  logLine,
  squadUpdated,
  taskEvent,
} from '../events/event-fixtures.ts'
import { openSse } from '../helpers/sse-client.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

/** A small seeded PRNG (mulberry32), so a failing interleaving can be replayed with SSE_TEST_SEED. */
function random(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const segments = { squad: 'squads', task: 'tasks', execution: 'executions' } as const

describe.skipIf(skipReason)('SSE under concurrent writes and reconnects', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('gives every client the exact log of its stream: no gap, no duplicate, ids strictly increasing', async () => {
    const seed = Number(process.env.SSE_TEST_SEED ?? Date.now() % 1_000_000)
    const rng = random(seed)
    const db = server.db.database.db
    const squadA = await createSquad(server, 'A')
    const squadB = await createSquad(server, 'B')
    const { task, execution } = await createTaskAndExecution(db, squadA.id)
    const keys: StreamKey[] = [
      { kind: 'squad', id: squadA.id },
      { kind: 'squad', id: squadB.id },
      { kind: 'task', id: task.id },
      { kind: 'execution', id: execution.id },
    ]

    let writersDone = false
    const writers = async () => {
      const jobs = [
        async () => {
          for (let i = 0; i < 60; i++) await append(db, squadUpdated(i % 2 ? squadA : squadB, `w1 ${i}`))
        },
        async () => {
          for (let i = 0; i < 25; i++) {
            const res = await server.request('PATCH', `/api/v1/squads/${squadA.id}`, {
              body: { description: `patch ${i}` },
            })
            if (res.status !== 200) throw new Error(`PATCH ${res.status}`)
          }
        },
        async () => {
          for (let i = 0; i < 40; i++) {
            const lines = Array.from({ length: 1 + (i % 3) }, (_, j) => logLine(execution, `line ${i}.${j}`))
            await append(db, ...lines)
          }
        },
        async () => {
          for (let i = 0; i < 30; i++) await append(db, taskEvent(task))
        },
        async () => {
          for (let i = 0; i < 10; i++) await createSquad(server, `noise ${i}`)
        },
      ]
      await Promise.all(jobs.map((job) => job()))
      writersDone = true
    }

    /** A client that keeps dropping its connection and resuming from the last id it saw. */
    const flaky = async (key: StreamKey, useQueryFirst: boolean) => {
      const url = `${server.url}/api/v1/sse/${segments[key.kind]}/${key.id}`
      const seen: StreamEvent[] = []
      let last: number | undefined
      let sessions = 0
      const deadline = Date.now() + 60_000
      for (;;) {
        const first = sessions === 0
        const client = await openSse(
          first && useQueryFirst ? `${url}?last_event_id=0` : url,
          last === undefined ? {} : { lastEventId: last },
        )
        sessions++
        if (client.status !== 200) throw new Error(`stream answered ${client.status}`)
        const want = 1 + Math.floor(rng() * 6)
        await Promise.race([client.waitForEvents(want).catch(() => {}), sleep(rng() * 30)])
        client.abort()
        await client.done
        if (client.error) throw client.error
        seen.push(...client.events)
        last = seen.at(-1)?.id ?? last
        if (writersDone) {
          const tail = await readEvents(db, { key, afterId: last ?? 0, limit: 1 })
          if (tail.length === 0) return { seen, sessions }
        }
        if (Date.now() > deadline) throw new Error(`client of ${key.kind} never caught up (seed ${seed})`)
      }
    }

    /** A client that stays connected from before the first write until after the last. */
    const steady = async (key: StreamKey) => {
      const client = await openSse(`${server.url}/api/v1/sse/${segments[key.kind]}/${key.id}`)
      while (!writersDone) await sleep(20)
      const [lastInLog] = await readEvents(db, { key, afterId: 0, limit: 1_000_000 }).then((all) =>
        all.slice(-1),
      )
      await client.waitFor((m) => m.id === String(lastInLog?.id), { timeoutMs: 20_000 })
      client.abort()
      return { seen: client.events, sessions: 1 }
    }

    const readers = keys.flatMap((key) => [
      { key, run: () => steady(key) },
      ...[0, 1, 2].map((i) => ({ key, run: () => flaky(key, i === 0) })),
    ])
    const [results] = await Promise.all([Promise.all(readers.map((r) => r.run())), writers()])

    for (const [i, { seen, sessions }] of results.entries()) {
      const key = readers[i]?.key as StreamKey
      const log = await readEvents(db, { key, afterId: 0, limit: 1_000_000 })
      const ids = seen.map((e) => e.id)
      const where = `${key.kind} reader ${i} (${sessions} sessions, seed ${seed})`
      expect(
        ids.every((id, j) => j === 0 || id > (ids[j - 1] as number)),
        `${where}: ids strictly increase`,
      ).toBe(true)
      expect(ids, where).toEqual(log.map((e) => e.id))
      expect(seen, where).toEqual(log)
    }
    // The flaky readers really did reconnect many times, mid-replay and mid-live.
    const totalSessions = results.reduce((n, r) => n + r.sessions, 0)
    expect(totalSessions).toBeGreaterThan(results.length * 3)
  })
})
