import type { StreamStatus } from '../hooks/event-stream.ts'

const text: Record<StreamStatus, { label: string; title: string }> = {
  connecting: { label: 'Connecting', title: 'Opening the live stream…' },
  live: { label: 'Live', title: 'Changes appear as they happen' },
  reconnecting: { label: 'Reconnecting', title: 'The live stream dropped; resuming where it left off' },
  offline: {
    label: 'Offline',
    title: 'Cannot reach the server; retrying. Nothing is lost: missed events replay on reconnect.',
  },
}

/** Live / reconnecting / offline, for the stream behind the page. */
export function ConnectionIndicator({ status }: { status: StreamStatus }) {
  return (
    <span
      className={`connection connection-${status}`}
      role="status"
      title={text[status].title}
      data-status={status}
    >
      <span className="connection-dot" aria-hidden />
      {text[status].label}
    </span>
  )
}
