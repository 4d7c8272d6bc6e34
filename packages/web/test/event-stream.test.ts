import type { StreamEvent } from '@agent-squad/contract'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EventStream, type StreamStatus } from '../src/shared/hooks/event-stream.ts'
import { createFake, FakeEventSource, logEvent } from './helpers/fake-event-source.ts'

const url = '/api/v1/sse/executions/x'

function open(options: { lastEventId?: number; offlineAfter?: number; onReset?: () => void } = {}) {
  const received: StreamEvent[] = []
  const statuses: StreamStatus[] = []
  const stream = new EventStream({
    url,
    onEvent: (e) => received.push(e),
    onStatus: (s) => statuses.push(s),
    createEventSource: createFake,
    initialDelayMs: 100,
    maxDelayMs: 1000,
    ...options,
  })
  stream.start()
  return { stream, received, statuses, ids: () => received.map((e) => e.id) }
}

describe('EventStream', () => {
  beforeEach(() => {
    FakeEventSource.reset()
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('connects without a resume id the first time, and is live after `connected`', () => {
    const { stream, statuses } = open()
    expect(FakeEventSource.latest().url).toBe(url)
    expect(stream.status).toBe('connecting')
    FakeEventSource.latest().connected()
    expect(statuses).toEqual(['live'])
    stream.stop()
  })

  it('starts after a given id when told to', () => {
    const { stream } = open({ lastEventId: 41 })
    expect(FakeEventSource.latest().url).toBe(`${url}?last_event_id=41`)
    stream.stop()
  })

  it('hands over each event once, in order, dropping ids it has already seen', () => {
    const { stream, ids } = open()
    const source = FakeEventSource.latest()
    source.connected()
    for (const id of [1, 2, 2, 3, 1, 4]) source.send(logEvent(id))
    expect(ids()).toEqual([1, 2, 3, 4])
    expect(stream.lastEventId).toBe(4)
    stream.stop()
  })

  it('reconnects after an error with the last id it handled, and shows reconnecting meanwhile', () => {
    const { stream, ids, statuses } = open()
    const first = FakeEventSource.latest()
    first.connected()
    first.send(logEvent(1))
    first.send(logEvent(2))
    first.fail()
    expect(first.closed).toBe(true)
    expect(stream.status).toBe('reconnecting')
    vi.advanceTimersByTime(100)
    const second = FakeEventSource.latest()
    expect(second).not.toBe(first)
    expect(second.url).toBe(`${url}?last_event_id=2`)
    // The server replays from 3; an overlap (2) from a racing replay is dropped.
    second.connected(2)
    second.send(logEvent(2))
    second.send(logEvent(3))
    expect(ids()).toEqual([1, 2, 3])
    expect(statuses).toEqual(['live', 'reconnecting', 'live'])
    stream.stop()
  })

  it("starts over when the server's log no longer reaches the resume id (its data was reset)", () => {
    let resets = 0
    const { stream, ids } = open({ lastEventId: 900, onReset: () => resets++ })
    const source = FakeEventSource.latest()
    expect(source.url).toBe(`${url}?last_event_id=900`)
    source.connected(null, 15_000, true)
    expect(resets).toBe(1)
    // The replay from the start is handed over, though its ids are below the old resume id.
    source.send(logEvent(1))
    source.send(logEvent(2))
    expect(ids()).toEqual([1, 2])
    expect(stream.lastEventId).toBe(2)
    stream.stop()
  })

  it('ignores anything a replaced connection still delivers', () => {
    const { stream, ids } = open()
    const first = FakeEventSource.latest()
    first.connected()
    first.fail()
    vi.advanceTimersByTime(100)
    first.send(logEvent(7))
    expect(ids()).toEqual([])
    stream.stop()
  })

  it('backs off, says offline after repeated failures, and keeps trying', () => {
    const { stream } = open({ offlineAfter: 3 })
    FakeEventSource.latest().fail() // 1: retry in 100 ms
    vi.advanceTimersByTime(100)
    FakeEventSource.latest().fail() // 2: retry in 200 ms
    expect(stream.status).toBe('reconnecting')
    vi.advanceTimersByTime(199)
    expect(FakeEventSource.all).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(FakeEventSource.all).toHaveLength(3)
    FakeEventSource.latest().fail() // 3
    expect(stream.status).toBe('offline')
    vi.advanceTimersByTime(400)
    expect(FakeEventSource.all).toHaveLength(4)
    FakeEventSource.latest().connected()
    expect(stream.status).toBe('live')
    stream.stop()
  })

  it('treats a stream silent for two heartbeats as dead and resumes it', () => {
    const { stream } = open()
    const first = FakeEventSource.latest()
    first.connected(null, 1000)
    first.send(logEvent(5))
    vi.advanceTimersByTime(1000)
    first.emit('heartbeat', { time: 'now' })
    vi.advanceTimersByTime(6999)
    expect(first.closed).toBe(false)
    vi.advanceTimersByTime(1)
    expect(first.closed).toBe(true)
    vi.advanceTimersByTime(100)
    expect(FakeEventSource.latest().url).toBe(`${url}?last_event_id=5`)
    stream.stop()
  })

  it('goes offline with the browser and reconnects as soon as it is back', () => {
    const { stream } = open()
    FakeEventSource.latest().connected()
    window.dispatchEvent(new Event('offline'))
    expect(FakeEventSource.latest().closed).toBe(true)
    window.dispatchEvent(new Event('online'))
    expect(FakeEventSource.all).toHaveLength(2)
    expect(stream.status).toBe('reconnecting')
    stream.stop()
  })

  it('stops for good: no more connections, no more events', () => {
    const { stream, ids } = open()
    const source = FakeEventSource.latest()
    stream.stop()
    expect(source.closed).toBe(true)
    source.send(logEvent(1))
    vi.advanceTimersByTime(60_000)
    expect(FakeEventSource.all).toHaveLength(1)
    expect(ids()).toEqual([])
  })
})
