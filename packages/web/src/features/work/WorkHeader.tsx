import type { Agent, Execution, SandboxState, Task } from '@agent-squad/contract'
import { Link, useNavigate } from 'react-router'
import {
  isActive,
  useCancelExecution,
  useStartExecution,
  useTaskExecutions,
} from '../../shared/api/executions.ts'
import { useTask } from '../../shared/api/tasks.ts'
import type { StreamStatus } from '../../shared/hooks/event-stream.ts'
import { useNow } from '../../shared/hooks/useNow.ts'
import { RunReasonBadge, StatusBadge } from '../../shared/ui/Badge.tsx'
import { Button } from '../../shared/ui/Button.tsx'
import { ConnectionIndicator } from '../../shared/ui/ConnectionIndicator.tsx'
import { formatDuration } from '../../shared/ui/format.ts'
import { PullRequestLink } from '../../shared/ui/PullRequestLink.tsx'
import { InlineError } from '../../shared/ui/States.tsx'

type HeaderProps = {
  execution: Execution
  task: Task | undefined
  agent: Agent | undefined
  sandbox: SandboxState | null
  stream: StreamStatus
  /** The pull request's page (inside the app for the local forge, else the forge's) and number. */
  pullRequest: { url: string; number: number | null } | null
}

const ordinal = (n: number) =>
  `${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'}`

/**
 * The sandbox as the run's stream last reported it. Before the first report a running run's is
 * "not yet"; a finished run without one had none (it failed before provisioning, or its sandbox
 * was never reported), so nothing is said rather than "not yet".
 */
function SandboxIndicator({ sandbox, finished }: { sandbox: SandboxState | null; finished: boolean }) {
  if (!sandbox && finished) return null
  const status = sandbox?.status ?? 'none'
  return (
    <span className={`sandbox sandbox-${status}`} title={sandbox?.message ?? undefined} data-status={status}>
      <span className="sandbox-dot" aria-hidden />
      Sandbox: {sandbox ? `${sandbox.status.toLowerCase()} (${sandbox.provider})` : 'not yet'}
    </span>
  )
}

/** A subtask's parent; tasks have no page of their own, so it links to the parent's latest run (its plan). */
function ParentCrumb({ parentId }: { parentId: string }) {
  const parent = useTask(parentId)
  const runs = useTaskExecutions(parentId)
  const latest = runs.data?.items[0]
  const label = parent.data ? `#${parent.data.number}` : 'parent'
  return (
    <span
      className="muted crumb"
      title={parent.data ? `Subtask of #${parent.data.number} ${parent.data.title}` : undefined}
    >
      ↳ {latest ? <Link to={`/executions/${latest.id}`}>{label}</Link> : label} /
    </span>
  )
}

/** Task, agent, branch, status, sandbox, queue place, time, and the start / cancel / retry buttons. */
export function WorkHeader({ execution, task, agent, sandbox, stream, pullRequest }: HeaderProps) {
  const active = isActive(execution.status)
  const now = useNow(active)
  const cancel = useCancelExecution()
  const start = useStartExecution()
  const navigate = useNavigate()
  const since = execution.started_at ?? execution.queued_at
  const elapsed = (execution.finished_at ? Date.parse(execution.finished_at) : now) - Date.parse(since)
  const branch = execution.git_branch ?? (task ? `task-${task.number}` : null)
  const restart = () =>
    start.mutate({ taskId: execution.task_id }, { onSuccess: (next) => navigate(`/executions/${next.id}`) })

  return (
    <header className="work-header">
      <div className="work-title">
        <Link to={`/squads/${execution.squad_id}`} className="muted crumb">
          Board /
        </Link>
        {task?.parent_task_id ? <ParentCrumb parentId={task.parent_task_id} /> : null}
        <h1>{task ? `#${task.number} ${task.title}` : 'Execution'}</h1>
        <StatusBadge status={execution.status} />
        <ConnectionIndicator status={stream} />
      </div>
      <dl className="work-facts">
        <div>
          <dt>Agent</dt>
          <dd>{agent ? `${agent.name} (${agent.role})` : '–'}</dd>
        </div>
        <div>
          <dt>Branch</dt>
          <dd className="mono">{branch ?? '–'}</dd>
        </div>
        <div>
          <dt>Attempt</dt>
          <dd>
            {execution.attempt} <RunReasonBadge reason={execution.run_reason} />
          </dd>
        </div>
        <div>
          <dt>{execution.status === 'queued' ? 'Waiting' : 'Elapsed'}</dt>
          <dd data-testid="elapsed">{formatDuration(elapsed)}</dd>
        </div>
        {execution.sandbox_seconds > 0 ? (
          <div title="How long this run's sandboxes ran, counted as each one ends (what a cloud sandbox provider bills)">
            <dt>Sandbox time</dt>
            <dd data-testid="sandbox-seconds">{formatDuration(execution.sandbox_seconds * 1000)}</dd>
          </div>
        ) : null}
        {execution.status === 'queued' && execution.queue_position ? (
          <div>
            <dt>Queue</dt>
            <dd>{ordinal(execution.queue_position)} in line</dd>
          </div>
        ) : null}
        {sandbox || active ? (
          <div>
            <dt className="sr-only">Sandbox</dt>
            <dd>
              <SandboxIndicator sandbox={sandbox} finished={!active} />
            </dd>
          </div>
        ) : null}
      </dl>
      <div className="work-actions">
        {pullRequest ? (
          <PullRequestLink className="btn btn-secondary" url={pullRequest.url} testId="pr-link">
            {pullRequest.number ? `Pull request #${pullRequest.number}` : 'Pull request'}
          </PullRequestLink>
        ) : null}
        {active ? (
          <Button variant="danger" onClick={() => cancel.mutate(execution.id)} busy={cancel.isPending}>
            Cancel
          </Button>
        ) : (
          <Button variant="primary" onClick={restart} busy={start.isPending}>
            {execution.status === 'succeeded' ? 'Run again' : 'Retry'}
          </Button>
        )}
      </div>
      {execution.error ? <p className="work-error">{execution.error}</p> : null}
      <InlineError error={cancel.error ?? start.error} />
    </header>
  )
}
