import type { ExecutionStep, GitProgress } from '@agent-squad/contract'
import { useNow } from '../../shared/hooks/useNow.ts'
import { formatDuration } from '../../shared/ui/format.ts'

const stepLabels: Record<string, string> = {
  provision: 'Provision sandbox',
  clone: 'Clone repository',
  branch: 'Create branch',
  agent: 'Agent works',
  commit: 'Commit',
  push: 'Push',
  pull_request: 'Open pull request',
  cleanup: 'Clean up',
}

/** A step that never started (pending, skipped) has no git progress of its own to show. */
const hasRun = (step: ExecutionStep) =>
  step.started_at !== null && step.status !== 'pending' && step.status !== 'skipped'

/** Which git operation's progress bar sits under which step. */
const gitOfStep: Record<string, GitProgress['operation'][]> = {
  clone: ['clone'],
  branch: ['branch'],
  commit: ['commit'],
  push: ['rebase', 'push'],
  pull_request: ['pull_request'],
}

const icons: Record<ExecutionStep['status'], string> = {
  pending: '○',
  running: '◐',
  succeeded: '✓',
  failed: '✕',
  skipped: '–',
  cancelled: '⊘',
}

function GitBar({ progress }: { progress: GitProgress }) {
  const done = progress.phase === 'finished'
  const percent = done ? 100 : progress.percent
  return (
    <div className={`git-progress git-${progress.phase}`}>
      <div
        className={`progress${percent === null ? ' progress-indeterminate' : ''}`}
        role="progressbar"
        aria-label={`${progress.operation} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
      >
        <span style={{ width: `${percent ?? 40}%` }} />
      </div>
      <span className="small muted">
        {progress.operation}: {progress.message}
      </span>
    </div>
  )
}

/** The pipeline's steps in order, with how long each took and its git progress. */
export function ActivityTimeline({
  steps,
  git,
}: {
  steps: ExecutionStep[]
  git: Partial<Record<GitProgress['operation'], GitProgress>>
}) {
  const now = useNow(steps.some((s) => s.status === 'running'))
  if (!steps.length) return <p className="muted">The steps appear when the execution starts.</p>
  return (
    <ol className="timeline">
      {steps.map((step) => {
        const live = step.status === 'running' && step.started_at ? now - Date.parse(step.started_at) : null
        // The repository cache is refreshed before the clone step starts, and its progress is
        // reported as the clone's: a clone that never ran must not show it as its own.
        const bars = (hasRun(step) ? (gitOfStep[step.name] ?? []) : [])
          .map((op) => git[op])
          .filter((g): g is GitProgress => Boolean(g))
        return (
          <li key={step.name} className={`step step-${step.status}`} data-step={step.name}>
            <span className="step-icon" aria-hidden>
              {icons[step.status]}
            </span>
            <div className="step-body">
              <div className="step-line">
                <span className="step-name">{stepLabels[step.name] ?? step.name}</span>
                {step.attempt > 1 ? <span className="small muted">attempt {step.attempt}</span> : null}
                <span className="step-time">
                  {step.status === 'running'
                    ? formatDuration(live)
                    : step.duration_ms !== null
                      ? formatDuration(step.duration_ms)
                      : ''}
                </span>
              </div>
              <span className="sr-only">{step.status}</span>
              {bars.map((b) => (
                <GitBar key={b.operation} progress={b} />
              ))}
              {step.error ? <p className="step-error">{step.error}</p> : null}
            </div>
          </li>
        )
      })}
    </ol>
  )
}
