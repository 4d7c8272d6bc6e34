import type { StreamEvent } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendEvent, EVENTS_CHANNEL } from '../../src/events/append-event.ts'
import { type EventHub, startEventHub } from '../../src/events/event-hub.ts'
import { readEvents } from '../../src/events/read-events.ts'
import { createTestDatabase, skipReason, type TestDatabase } from '../helpers/test-db.ts'
import { append, eventually, logIds } from './event-fixtures.ts'

const squadId = '01900000-0000-7000-8000-0000000000a1'
const otherSquadId = '01900000-0000-7000-8000-0000000000a2'
const taskId = '01900000-0000-7000-8000-0000000000b1'
const executionId = '01900000-0000-7000-8000-0000000000c1'

const log = (text: string, squad = squadId) =>
  ({
    type: 'log',
    squadId: squad,
    taskId,
    executionId,
    payload: { stream: 'stdout', step: null, text },
  }) as const

const deleted = (squad: string) =>
  ({ type: 'squad.deleted', squadId: squad, payload: { id: squad } }) as const

describe.skipIf(skipReason)('event hub', () => {
  let test: TestDatabase
  let hub: EventHub
  const errors: unknown[] = []
  beforeAll(async () => {
    test = await createTestDatabase()
    hub = await startEventHub(test.database, { onError: (e) => errors.push(e) })
  })
  afterAll(async () => {
    await hub?.stop()
    await test?.drop()
  })

  it('hands every committed event to the subscribers of its streams once, in id order, under concurrent writers', async () => {
    const db = test.database.db
    const bySquad: StreamEvent[] = []
    const byExecution: StreamEvent[] = []
    const byOther: StreamEvent[] = []
    const stops = [
      hub.subscribe({ kind: 'squad', id: squadId }, (e) => bySquad.push(e)),
      hub.subscribe({ kind: 'execution', id: executionId }, (e) => byExecution.push(e)),
      hub.subscribe({ kind: 'squad', id: otherSquadId }, (e) => byOther.push(e)),
    ]
    expect(hub.subscriberCount()).toBe(3)
    // 40 transactions at once, some with several events, one of them rolled back; then writers that
    // keep committing while the hub is still reading (each NOTIFY during a read must trigger another).
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => append(db, log(`line ${i}`), log(`line ${i}b`))),
      ...Array.from({ length: 10 }, () => append(db, deleted(squadId), deleted(otherSquadId))),
      db
        .transaction(async (tx) => {
          await appendEvent(tx, deleted(squadId))
          throw new Error('rolled back')
        })
        .catch(() => {}),
    ])
    await Promise.all(
      [0, 1, 2].map(async (w) => {
        for (let i = 0; i < 40; i++) await append(db, log(`writer ${w} line ${i}`))
      }),
    )
    const squadLog = await logIds(db, { kind: 'squad', id: squadId })
    const executionLog = await logIds(db, { kind: 'execution', id: executionId })
    expect(squadLog).toHaveLength(10)
    expect(executionLog).toHaveLength(180)
    await eventually(() => byExecution.length >= 180 && bySquad.length >= 10 && byOther.length >= 10)
    expect(byExecution.map((e) => e.id)).toEqual(executionLog)
    // Execution-scoped output stays off the squad's stream.
    expect(bySquad.map((e) => e.id)).toEqual(squadLog)
    expect(byOther.map((e) => e.id)).toEqual(await logIds(db, { kind: 'squad', id: otherSquadId }))
    for (const stop of stops) stop()
    expect(hub.subscriberCount()).toBe(0)
  })

  it('stops delivering on unsubscribe, tolerates a second call, and isolates a throwing subscriber', async () => {
    const db = test.database.db
    const got: number[] = []
    const stopThrower = hub.subscribe({ kind: 'squad', id: squadId }, () => {
      throw new Error('subscriber bug')
    })
    const stop = hub.subscribe({ kind: 'squad', id: squadId }, (e) => got.push(e.id))
    const [first] = await append(db, deleted(squadId))
    await eventually(() => got.length === 1)
    expect(got).toEqual([first])
    expect(errors.some((e) => e instanceof Error && e.message === 'subscriber bug')).toBe(true)

    stop()
    stop()
    stopThrower()
    expect(hub.subscriberCount()).toBe(0)
    await append(db, deleted(squadId))
    const marker: number[] = []
    const stopMarker = hub.subscribe({ kind: 'squad', id: squadId }, (e) => marker.push(e.id))
    const [last] = await append(db, deleted(squadId))
    await eventually(() => marker.includes(last as number))
    expect(got).toEqual([first])
    stopMarker()
  })

  it('reads the log when the NOTIFY cannot prove nothing is missing: a rolled-back id, a batch too big to carry, a bad payload', async () => {
    const db = test.database.db
    const got: StreamEvent[] = []
    const stop = hub.subscribe({ kind: 'execution', id: executionId }, (e) => got.push(e))
    const before = (await logIds(db, { kind: 'execution', id: executionId })).at(-1) ?? 0
    // A rolled-back append burns an id: the next announcement does not follow on from the last one.
    await db
      .transaction(async (tx) => {
        await appendEvent(tx, log('never'))
        throw new Error('rolled back')
      })
      .catch(() => {})
    await append(db, log('after the gap'))
    // 20 kB of output: announced by id only.
    await append(db, log('x'.repeat(20_000)), log('é'.repeat(3000)))
    // A payload nobody can parse is reported, then the log is read.
    await db.execute(sql`select pg_notify(${EVENTS_CHANNEL}, '[not json')`)
    await append(db, log('last'))

    const expected = await readEvents(db, {
      key: { kind: 'execution', id: executionId },
      afterId: before,
      limit: 100,
    })
    expect(expected.map((e) => (e.payload as { text: string }).text.slice(0, 13))).toEqual([
      'after the gap',
      'x'.repeat(13),
      'é'.repeat(13),
      'last',
    ])
    await eventually(() => got.length >= 4)
    // Live events are the log's rows, field for field.
    expect(got).toEqual(expected)
    expect(errors.some((e) => e instanceof SyntaxError)).toBe(true)
    stop()
  })

  it('retries a failed log read by itself, without waiting for another NOTIFY', async () => {
    let failNext = false
    const db = test.database.db
    const flakyDb = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop === 'select' && failNext) {
          failNext = false
          return () => {
            throw new Error('connection lost')
          }
        }
        return Reflect.get(target, prop, receiver)
      },
    })
    const hubErrors: unknown[] = []
    const flakyHub = await startEventHub(
      { ...test.database, db: flakyDb },
      { onError: (e) => hubErrors.push(e) },
    )
    const got: number[] = []
    const stop = flakyHub.subscribe({ kind: 'execution', id: executionId }, (e) => got.push(e.id))
    failNext = true
    // Too big to ride in the NOTIFY, so the hub must read the log, and that first read fails.
    const [id] = await append(db, log('y'.repeat(10_000)))
    await eventually(() => got.includes(id as number), 5000)
    expect(hubErrors.map((e) => (e as Error).message)).toEqual(['connection lost'])
    stop()
    await flakyHub.stop()
  })
})
