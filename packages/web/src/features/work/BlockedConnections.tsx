import type { ConnectionBlocked } from '@agent-squad/contract'

const SHOWN = 8

/**
 * The destinations the agent tried to reach and its squad's network policy refused: often the reason
 * an install or a test failed, and what to add to the squad's allowlist if the destination is wanted.
 */
export function BlockedConnections({ blocked }: { blocked: readonly ConnectionBlocked[] }) {
  if (blocked.length === 0) return null
  return (
    <div className="notice notice-warning" role="status" data-testid="blocked-connections">
      <p>
        <strong>Blocked {blocked.length === 1 ? 'connection' : `${blocked.length} connections`}:</strong> the
        sandbox's network policy refused {blocked.length === 1 ? 'this destination' : 'these destinations'}.
        If the agent needs one, add it to the squad's network allowlist in Settings.
      </p>
      <ul className="mono overlap-files">
        {blocked.slice(0, SHOWN).map((b) => (
          <li key={`${b.host}:${b.port}`} title={b.reason}>
            {b.host}:{b.port} — {b.reason}
          </li>
        ))}
        {blocked.length > SHOWN ? <li className="muted">and {blocked.length - SHOWN} more</li> : null}
      </ul>
    </div>
  )
}
