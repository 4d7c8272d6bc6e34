import type { Task } from '@agent-squad/contract'
import { Link, useNavigate } from 'react-router'
import { isActive, useStartExecution, useTaskExecutions } from '../../shared/api/executions.ts'
import { RunReasonBadge, StatusBadge } from '../../shared/ui/Badge.tsx'
import { Button } from '../../shared/ui/Button.tsx'
import { timeAgo } from '../../shared/ui/format.ts'
import { PullRequestLink, pullNumberOf } from '../../shared/ui/PullRequestLink.tsx'
import { InlineError, Loading } from '../../shared/ui/States.tsx'
import { startBlocker } from './start-blocker.ts'

const pullLabel = (url: string) => {
  const number = pullNumberOf(url)
  return number ? `PR #${number}` : 'Pull request'
}

/** A task's executions, newest first, and the button that starts the next one. */
export function TaskRuns({ task }: { task: Task }) {
  const runs = useTaskExecutions(task.id)
  const start = useStartExecution()
  const navigate = useNavigate()
  const items = runs.data?.items ?? []
  const running = items.find((e) => isActive(e.status))
  const blocker = startBlocker(task)

  const onStart = () =>
    start.mutate({ taskId: task.id }, { onSuccess: (execution) => navigate(`/executions/${execution.id}`) })

  return (
    <section className="task-runs" aria-label="Runs">
      <header className="panel-header">
        <h3>Runs</h3>
        {running ? (
          <Link className="btn btn-secondary btn-sm" to={`/executions/${running.id}`}>
            Watch the running agent
          </Link>
        ) : (
          <Button
            size="sm"
            variant="primary"
            onClick={onStart}
            busy={start.isPending}
            disabled={blocker !== null}
          >
            {items.length ? 'Start again' : 'Start'}
          </Button>
        )}
      </header>
      {blocker && !running ? <p className="muted small">{blocker}</p> : null}
      <InlineError error={start.error} />
      {runs.isPending ? (
        <Loading label="Loading runs…" />
      ) : items.length === 0 ? (
        <p className="muted small">
          Not started yet. Starting creates branch task-{task.number} and ends in a pull request.
        </p>
      ) : (
        <ul className="run-list">
          {items.map((e) => (
            <li key={e.id}>
              <Link to={`/executions/${e.id}`}>Attempt {e.attempt}</Link>
              <StatusBadge status={e.status} />
              <RunReasonBadge reason={e.run_reason} />
              <span className="muted small">{timeAgo(e.created_at)}</span>
              {e.pull_request_url ? (
                <PullRequestLink url={e.pull_request_url} className="small">
                  {pullLabel(e.pull_request_url)}
                </PullRequestLink>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
