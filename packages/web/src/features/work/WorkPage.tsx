import { useState } from 'react'
import { useParams } from 'react-router'
import { useAgent } from '../../shared/api/agents.ts'
import { executionLogUrl, useExecution, useTaskExecutions } from '../../shared/api/executions.ts'
import { parsePullUrl, pullPageOf } from '../../shared/api/pulls.ts'
import { useTask } from '../../shared/api/tasks.ts'
import { useSquadStream } from '../../shared/hooks/useSquadStream.ts'
import { pullNumberOf } from '../../shared/ui/PullRequestLink.tsx'
import { ErrorState, Loading } from '../../shared/ui/States.tsx'
import { Tabs } from '../../shared/ui/Tabs.tsx'
import { TaskReviews } from '../reviews/TaskReviews.tsx'
import { ActivityTimeline } from './ActivityTimeline.tsx'
import { BlockedConnections } from './BlockedConnections.tsx'
import { ConversationPanel } from './ConversationPanel.tsx'
import { DiffPanel } from './DiffPanel.tsx'
import { ExecutionWarnings } from './ExecutionWarnings.tsx'
import { OverlapNotices } from './OverlapNotices.tsx'
import { TerminalPanel } from './TerminalPanel.tsx'
import { useExecutionStream } from './useExecutionStream.ts'
import { WorkHeader } from './WorkHeader.tsx'
import { mergeSteps } from './work-model.ts'
import './work.css'

type Tab = 'terminal' | 'conversation' | 'thoughts' | 'diff'

/** The Agent Work page of one execution. Keyed by execution, so nothing carries over between two. */
export function WorkPage() {
  const { executionId = '' } = useParams()
  return <WorkView key={executionId} executionId={executionId} />
}

function WorkView({ executionId }: { executionId: string }) {
  const execution = useExecution(executionId)
  const { status, work, log } = useExecutionStream(executionId)
  const task = useTask(execution.data?.task_id)
  const agent = useAgent(execution.data?.agent_id)
  // Reviews (and the task, its runs) change on the squad's stream: this run's own stream lacks them.
  useSquadStream(execution.data?.squad_id)
  // A review or planning run has no pull request of its own; the task may have one from another run.
  const taskRuns = useTaskExecutions(execution.data?.task_id)
  const [tab, setTab] = useState<Tab>('terminal')

  if (execution.isPending) return <Loading label="Loading the execution…" />
  if (execution.isError)
    return (
      <ErrorState
        error={execution.error}
        onRetry={() => execution.refetch()}
        title="Could not open this execution"
      />
    )

  const data = execution.data
  const steps = mergeSteps(data.steps, work.steps)
  // The pull request's page: the local forge's inside the app, GitHub's (or another forge's) outside.
  const pullUrl = work.pullRequest ? pullPageOf(work.pullRequest) : data.pull_request_url
  const pr =
    work.pullRequest && parsePullUrl(pullUrl)
      ? { repositoryId: work.pullRequest.repository_id, number: work.pullRequest.number }
      : parsePullUrl(pullUrl)
  const externalPullUrl = pullUrl && !pr ? pullUrl : null

  return (
    <section className="work">
      <WorkHeader
        execution={data}
        task={task.data}
        agent={agent.data}
        sandbox={work.sandbox}
        stream={status}
        pullRequest={
          pr
            ? { url: `/repositories/${pr.repositoryId}/pulls/${pr.number}`, number: pr.number }
            : externalPullUrl
              ? { url: externalPullUrl, number: work.pullRequest?.number ?? pullNumberOf(externalPullUrl) }
              : null
        }
      />
      <OverlapNotices overlaps={work.overlaps} />
      <BlockedConnections blocked={work.blocked} />
      <ExecutionWarnings warnings={work.warnings} />
      <div className="work-body">
        <aside className="panel work-activity" aria-label="Activity">
          <h2>Activity</h2>
          <ActivityTimeline steps={steps} git={work.git} />
        </aside>
        <div className="panel work-main">
          <div className="work-tabs">
            <Tabs<Tab>
              label="Execution views"
              active={tab}
              onChange={setTab}
              items={[
                { key: 'terminal', label: 'Terminal' },
                { key: 'conversation', label: 'Conversation' },
                { key: 'thoughts', label: 'Thoughts' },
                { key: 'diff', label: 'Diff' },
              ]}
            />
            <a className="btn btn-ghost btn-sm" href={executionLogUrl(executionId)} download>
              Download log
            </a>
          </div>
          <div role="tabpanel" className="work-panel">
            <TerminalPanel log={log} hidden={tab !== 'terminal'} />
            {tab === 'conversation' || tab === 'thoughts' ? (
              <ConversationPanel
                kind={tab}
                provider={agent.data?.llm_provider}
                conversation={work.conversation}
              />
            ) : null}
            {tab === 'diff' ? <DiffPanel pullRequest={pr} externalUrl={externalPullUrl} /> : null}
          </div>
        </div>
      </div>
      <TaskReviews
        taskId={data.task_id}
        reviewable={pullUrl !== null || Boolean(taskRuns.data?.items.some((e) => e.pull_request_url))}
      />
    </section>
  )
}
