import type { ExecutionOverlap } from '@agent-squad/contract'
import { Link } from 'react-router'

const SHOWN_FILES = 5

/**
 * One warning per other run that changes the same files in this repository: whichever pull request
 * merges second will need care (a rebase or a conflict resolution), so say which task and files.
 */
export function OverlapNotices({ overlaps }: { overlaps: readonly ExecutionOverlap[] }) {
  return overlaps.map((o) => (
    <div key={o.other_execution_id} className="notice notice-warning" role="alert" data-testid="overlap">
      <p>
        <strong>Overlapping change:</strong> task{' '}
        <Link to={`/executions/${o.other_execution_id}`}>#{o.other_task_number}</Link> is changing{' '}
        {o.files.length === 1 ? 'a file' : `${o.files.length} files`} this run changes too. Merge one before
        the other, then rebase the second.
      </p>
      {o.files.length ? (
        <ul className="mono overlap-files">
          {o.files.slice(0, SHOWN_FILES).map((f) => (
            <li key={f}>{f}</li>
          ))}
          {o.files.length > SHOWN_FILES ? (
            <li className="muted">and {o.files.length - SHOWN_FILES} more</li>
          ) : null}
        </ul>
      ) : null}
    </div>
  ))
}
