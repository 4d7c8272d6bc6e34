import type { StreamEvent } from '@agent-squad/contract'
import { act, cleanup, render, screen } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useEventStream } from '../src/shared/hooks/useEventStream.ts'
import { ConnectionIndicator } from '../src/shared/ui/ConnectionIndicator.tsx'
import { createFake, FakeEventSource, logEvent } from './helpers/fake-event-source.ts'

function Probe({ url, seen }: { url: string; seen: StreamEvent[] }) {
  const status = useEventStream(url, (e) => seen.push(e), {
    createEventSource: createFake,
    initialDelayMs: 50,
  })
  return <ConnectionIndicator status={status} />
}

describe('useEventStream', () => {
  beforeEach(() => FakeEventSource.reset())
  afterEach(() => {
    cleanup()
    vi.useRealTimers()
  })

  it('shows live, reconnecting and live again, and hands over each event once across the reconnect', () => {
    vi.useFakeTimers()
    const seen: StreamEvent[] = []
    render(<Probe url="/api/v1/sse/tasks/t" seen={seen} />)
    expect(screen.getByRole('status').dataset.status).toBe('connecting')
    act(() => {
      FakeEventSource.latest().connected()
      FakeEventSource.latest().send(logEvent(1))
      FakeEventSource.latest().send(logEvent(2))
    })
    expect(screen.getByRole('status').dataset.status).toBe('live')
    act(() => FakeEventSource.latest().fail())
    expect(screen.getByRole('status').textContent).toBe('Reconnecting')
    act(() => vi.advanceTimersByTime(50))
    expect(FakeEventSource.latest().url).toBe('/api/v1/sse/tasks/t?last_event_id=2')
    act(() => {
      FakeEventSource.latest().connected(2)
      FakeEventSource.latest().send(logEvent(2))
      FakeEventSource.latest().send(logEvent(3))
    })
    expect(screen.getByRole('status').dataset.status).toBe('live')
    expect(seen.map((e) => e.id)).toEqual([1, 2, 3])
  })

  it('resumes rather than replays when React mounts it twice (StrictMode), and closes on unmount', () => {
    const seen: StreamEvent[] = []
    const { unmount } = render(
      <StrictMode>
        <Probe url="/api/v1/sse/executions/e" seen={seen} />
      </StrictMode>,
    )
    const open = FakeEventSource.all.filter((s) => !s.closed)
    expect(open).toHaveLength(1)
    act(() => open[0]?.send(logEvent(9)))
    expect(seen.map((e) => e.id)).toEqual([9])
    unmount()
    expect(FakeEventSource.all.every((s) => s.closed)).toBe(true)
  })
})
