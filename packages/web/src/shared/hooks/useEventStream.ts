import type { StreamEvent } from '@agent-squad/contract'
import { useEffect, useRef, useState } from 'react'
import { EventStream, type EventStreamOptions, type StreamStatus } from './event-stream.ts'

/**
 * Subscribes to a server-sent event stream while mounted (`url` null: not at all). `onEvent` sees
 * every event once, in order; a reconnect resumes where the stream left off.
 */
export function useEventStream(
  url: string | null,
  onEvent: (event: StreamEvent) => void,
  options: Pick<EventStreamOptions, 'createEventSource' | 'initialDelayMs'> = {},
): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('connecting')
  const handler = useRef(onEvent)
  handler.current = onEvent
  const create = useRef(options.createEventSource)
  // If the effect runs again for the same stream (StrictMode, a remount), resume instead of replaying.
  const resume = useRef<{ url: string; lastEventId: number } | null>(null)
  const delay = options.initialDelayMs

  useEffect(() => {
    if (!url) return
    setStatus('connecting')
    const stream = new EventStream({
      url,
      onEvent: (event) => handler.current(event),
      onStatus: setStatus,
      // The server's data was reset under this page: what it shows cannot be patched, only reloaded.
      onReset: () => window.location.reload(),
      createEventSource: create.current,
      initialDelayMs: delay,
      lastEventId: resume.current?.url === url ? resume.current.lastEventId : 0,
    })
    stream.start()
    return () => {
      stream.stop()
      resume.current = { url, lastEventId: stream.lastEventId }
    }
  }, [url, delay])

  return status
}
