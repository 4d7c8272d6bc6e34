import type { PullRequest, PullRequestState } from '@agent-squad/contract'
import { useQueries } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { pullPageOf, pullsQuery } from '../../shared/api/pulls.ts'
import { useRepositories } from '../../shared/api/repositories.ts'
import { StatusBadge } from '../../shared/ui/Badge.tsx'
import { timeAgo } from '../../shared/ui/format.ts'
import { GitHubIcon } from '../../shared/ui/icons.tsx'
import { isExternalPullUrl, PullRequestLink } from '../../shared/ui/PullRequestLink.tsx'
import { Empty, ErrorState, Loading } from '../../shared/ui/States.tsx'
import { useCurrentSquad } from '../squads/use-squad.ts'

/**
 * Pull requests of the squad's repositories that have them (the local forge's and GitHub's), newest
 * first. A GitHub pull request opens on GitHub.
 */
export function PullsPage() {
  const squad = useCurrentSquad()
  const repos = useRepositories(squad.id)
  const [params, setParams] = useSearchParams()
  const [state, setState] = useState<PullRequestState | 'all'>('open')
  const local = (repos.data?.items ?? []).filter((r) => r.kind === 'local' || r.kind === 'github')
  const only = params.get('repository')
  const shown = only ? local.filter((r) => r.id === only) : local
  const results = useQueries({ queries: shown.map((r) => pullsQuery(r.id)) })

  if (repos.isPending) return <Loading label="Loading repositories…" />
  if (repos.isError) return <ErrorState error={repos.error} onRetry={() => repos.refetch()} />
  if (!local.length)
    return (
      <Empty
        title="No repositories with pull requests"
        action={<Link to={`/squads/${squad.id}/settings`}>Add a repository</Link>}
      >
        Pull requests live on GitHub or on the built-in local forge. Connect a GitHub repository or add a
        local one to the squad; its agents open pull requests there.
      </Empty>
    )
  const failed = results.find((r) => r.isError)
  const names = new Map(local.map((r) => [r.id, r.name]))
  const onGitHub = new Set(local.filter((r) => r.kind === 'github').map((r) => r.id))
  const all: PullRequest[] = results.flatMap((r) => r.data?.items ?? [])
  const items = all
    .filter((p) => state === 'all' || p.state === state)
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))

  return (
    <section className="page">
      <div className="toolbar">
        <fieldset className="segmented" aria-label="State">
          {(['open', 'merged', 'closed', 'all'] as const).map((s) => (
            <button key={s} type="button" aria-pressed={state === s} onClick={() => setState(s)}>
              {s} {s === 'all' ? all.length : all.filter((p) => p.state === s).length}
            </button>
          ))}
        </fieldset>
        <select
          aria-label="Repository"
          value={only ?? ''}
          onChange={(e) => setParams(e.target.value ? { repository: e.target.value } : {})}
        >
          <option value="">All repositories</option>
          {local.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </div>
      {failed ? <ErrorState error={failed.error} title="Could not load some pull requests" /> : null}
      {results.some((r) => r.isPending) ? (
        <Loading label="Loading pull requests…" />
      ) : items.length === 0 ? (
        <Empty title={state === 'all' ? 'No pull requests yet' : `No ${state} pull requests`}>
          Start a task: its agent pushes branch task-n and opens a pull request here.
        </Empty>
      ) : (
        <ul className="pr-list">
          {items.map((pr) => (
            // The title and where it lives are two lines (two blocks), also for a screen reader or a
            // copy: as inline siblings they ran together ("chore: bump dependencieshello#1").
            <li key={pr.id} className="pr-row">
              <StatusBadge status={pr.state} />
              <div className="pr-row-text">
                <div>
                  {isExternalPullUrl(pullPageOf(pr)) ? (
                    <PullRequestLink url={pullPageOf(pr)} className="pr-title">
                      {pr.title}
                    </PullRequestLink>
                  ) : (
                    <Link to={`/repositories/${pr.repository_id}/pulls/${pr.number}`} className="pr-title">
                      {pr.title}
                    </Link>
                  )}
                </div>
                <div className="muted small">
                  {onGitHub.has(pr.repository_id) ? <GitHubIcon size={12} /> : null}{' '}
                  {names.get(pr.repository_id)}#{pr.number} · <span className="mono">{pr.head}</span> →{' '}
                  {pr.base} · opened {timeAgo(pr.created_at)}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
