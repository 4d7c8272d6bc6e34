import { useState } from 'react'
import { Link, useParams } from 'react-router'
import { ApiError } from '../../shared/api/client.ts'
import {
  pullPageOf,
  useMergePull,
  usePull,
  usePullCommits,
  usePullDiff,
  useUpdatePull,
} from '../../shared/api/pulls.ts'
import { useRepositories } from '../../shared/api/repositories.ts'
import { useSquadStream } from '../../shared/hooks/useSquadStream.ts'
import { StatusBadge } from '../../shared/ui/Badge.tsx'
import { Button } from '../../shared/ui/Button.tsx'
import { ConfirmDialog } from '../../shared/ui/ConfirmDialog.tsx'
import { DiffView } from '../../shared/ui/diff/DiffView.tsx'
import { timeAgo } from '../../shared/ui/format.ts'
import { isExternalPullUrl, PullRequestLink } from '../../shared/ui/PullRequestLink.tsx'
import { ErrorState, InlineError, Loading } from '../../shared/ui/States.tsx'
import { Tabs } from '../../shared/ui/Tabs.tsx'
import { useToast } from '../../shared/ui/Toast.tsx'
import { TaskReviews } from '../reviews/TaskReviews.tsx'
import { CommitList } from './CommitList.tsx'

type Tab = 'description' | 'commits' | 'files'

const conflictsOf = (error: unknown): string[] => {
  if (!(error instanceof ApiError) || error.code !== 'conflict') return []
  const details = error.details as { conflicts?: unknown } | undefined
  return Array.isArray(details?.conflicts) ? details.conflicts.map(String) : []
}

export function PullDetailPage() {
  const { repositoryId = '', number: raw = '' } = useParams()
  const number = Number(raw)
  const pr = usePull(repositoryId, number)
  const commits = usePullCommits(repositoryId, number)
  const diff = usePullDiff(repositoryId, number)
  const merge = useMergePull(repositoryId, number)
  const update = useUpdatePull(repositoryId, number)
  const toast = useToast()
  const [tab, setTab] = useState<Tab>('files')
  const [confirming, setConfirming] = useState(false)
  const repos = useRepositories(pr.data?.squad_id ?? '')
  const repoName = repos.data?.items.find((r) => r.id === repositoryId)?.name
  // Keeps this pull request and its task's reviews live (state changes, an agent's review).
  useSquadStream(pr.data?.squad_id)

  if (pr.isPending) return <Loading label="Loading the pull request…" />
  if (pr.isError)
    return (
      <ErrorState error={pr.error} onRetry={() => pr.refetch()} title="Could not open this pull request" />
    )
  const p = pr.data
  const conflicts = conflictsOf(merge.error)
  const onMerge = () =>
    merge.mutate(
      {},
      {
        onSettled: () => setConfirming(false),
        onSuccess: (r) => {
          toast(`Merged #${p.number} (${r.method})${p.task_id ? '; its task moves to Done' : ''}`, 'success')
          void commits.refetch()
          void diff.refetch()
        },
      },
    )

  return (
    <section className="page pr-detail">
      <header className="page-header">
        <div>
          <nav aria-label="Breadcrumb" className="crumbs muted">
            <Link to={`/squads/${p.squad_id}/pulls`}>Pull requests</Link>
            <span aria-hidden> / </span>
            <span aria-current="page">
              {repoName ?? 'repository'}#{p.number}
            </span>
          </nav>
          <h1>
            {p.title} <span className="muted">#{p.number}</span>
          </h1>
          <p className="pr-meta">
            <StatusBadge status={p.state} /> <span className="mono">{p.head}</span> →{' '}
            <span className="mono">{p.base}</span>
            <span className="muted"> · opened {timeAgo(p.created_at)}</span>
            {p.merged_at ? <span className="muted"> · merged {timeAgo(p.merged_at)}</span> : null}
            {p.execution_id ? (
              <>
                {' · '}
                <Link to={`/executions/${p.execution_id}`}>agent run</Link>
              </>
            ) : null}
          </p>
        </div>
        <div className="page-actions">
          {isExternalPullUrl(pullPageOf(p)) ? (
            // A GitHub pull request is reviewed and merged on GitHub.
            <PullRequestLink className="btn btn-secondary" url={pullPageOf(p)} testId="pr-forge-link">
              Open on GitHub
            </PullRequestLink>
          ) : p.state === 'open' ? (
            <>
              <Button onClick={() => update.mutate({ state: 'closed' })} busy={update.isPending}>
                Close
              </Button>
              <Button
                variant="primary"
                onClick={() => setConfirming(true)}
                busy={merge.isPending}
                data-testid="merge"
              >
                Merge pull request
              </Button>
            </>
          ) : p.state === 'closed' ? (
            <Button onClick={() => update.mutate({ state: 'open' })} busy={update.isPending}>
              Reopen
            </Button>
          ) : null}
        </div>
      </header>
      {conflicts.length ? (
        <div className="notice notice-warning" role="alert">
          <p>
            This branch conflicts with {p.base} in {conflicts.length} file{conflicts.length === 1 ? '' : 's'}.
            Rebase task branch {p.head} on {p.base} (or ask the agent to), then merge again:
          </p>
          <ul className="mono">
            {conflicts.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </div>
      ) : (
        <InlineError error={merge.error ?? update.error} />
      )}
      {confirming ? (
        <ConfirmDialog
          title={`Merge pull request #${p.number}?`}
          confirmLabel="Merge"
          busy={merge.isPending}
          onCancel={() => setConfirming(false)}
          onConfirm={onMerge}
        >
          <p>
            {p.head} goes into {p.base}
            {diff.data
              ? ` (${diff.data.files.length} file${diff.data.files.length === 1 ? '' : 's'} changed)`
              : ''}
            .{p.task_id ? ' Its task moves to Done.' : ''} A merge cannot be undone here.
          </p>
        </ConfirmDialog>
      ) : null}
      {p.labels.length || p.reviewers.length ? (
        <p className="small muted">
          {p.labels.length ? `Labels: ${p.labels.join(', ')}` : ''}{' '}
          {p.reviewers.length ? `Reviewers: ${p.reviewers.join(', ')}` : ''}
        </p>
      ) : null}
      <Tabs<Tab>
        label="Pull request"
        active={tab}
        onChange={setTab}
        items={[
          { key: 'description', label: 'Description' },
          { key: 'commits', label: 'Commits', count: commits.data?.items.length },
          { key: 'files', label: 'Files changed', count: diff.data?.files.length },
        ]}
      />
      <div className="panel" role="tabpanel">
        {tab === 'description' ? (
          <div className="pr-body">{p.body || <span className="muted">No description.</span>}</div>
        ) : tab === 'commits' ? (
          <CommitList query={commits} />
        ) : diff.isPending ? (
          <Loading label="Loading the diff…" />
        ) : diff.isError ? (
          <ErrorState error={diff.error} onRetry={() => diff.refetch()} title="Could not load the diff" />
        ) : (
          <DiffView diff={diff.data} />
        )}
      </div>
      {p.task_id ? (
        <TaskReviews
          taskId={p.task_id}
          reviewable={p.state === 'open'}
          files={diff.data?.files.map((f) => f.path)}
        />
      ) : null}
    </section>
  )
}
