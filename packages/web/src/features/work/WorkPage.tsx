import { useState } from 'react'
import { Link, useParams } from 'react-router'
import { useAgent } from '../../shared/api/agents.ts'
import { executionLogUrl, useExecution } from '../../shared/api/executions.ts'
import { parsePullUrl } from '../../shared/api/pulls.ts'
import { useTask } from '../../shared/api/tasks.ts'
import { ErrorState, Loading } from '../../shared/ui/States.tsx'
import { Tabs } from '../../shared/ui/Tabs.tsx'
import { ActivityTimeline } from './ActivityTimeline.tsx'
import { ConversationPanel } from './ConversationPanel.tsx'
import { DiffPanel } from './DiffPanel.tsx'
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
  const pr = work.pullRequest
    ? { repositoryId: work.pullRequest.repository_id, number: work.pullRequest.number }
    : parsePullUrl(data.pull_request_url)

  return (
    <section className="work">
      <WorkHeader
        execution={data}
        task={task.data}
        agent={agent.data}
        sandbox={work.sandbox}
        stream={status}
        pullRequest={pr}
      />
      {work.overlaps.map((o) => (
        <p key={o.other_execution_id} className="notice notice-warning" role="alert">
          Another running execution (<Link to={`/executions/${o.other_execution_id}`}>see it</Link>) is
          changing the same files: <span className="mono">{o.files.slice(0, 5).join(', ')}</span>
          {o.files.length > 5 ? ` and ${o.files.length - 5} more` : ''}. Merge one before the other.
        </p>
      ))}
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
            {tab === 'diff' ? <DiffPanel pullRequest={pr} /> : null}
          </div>
        </div>
      </div>
    </section>
  )
}
