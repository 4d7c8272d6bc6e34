import type { PullRequestCommits } from '@agent-squad/contract'
import type { UseQueryResult } from '@tanstack/react-query'
import { timeAgo } from '../../shared/ui/format.ts'
import { ErrorState, Loading } from '../../shared/ui/States.tsx'

export function CommitList({ query }: { query: UseQueryResult<PullRequestCommits> }) {
  if (query.isPending) return <Loading label="Loading commits…" />
  if (query.isError) return <ErrorState error={query.error} onRetry={() => query.refetch()} />
  if (!query.data.items.length) return <p className="muted">No commits between the branches.</p>
  return (
    <ol className="commit-list">
      {query.data.items.map((c) => (
        <li key={c.sha}>
          <code className="sha" title={c.sha}>
            {c.sha.slice(0, 8)}
          </code>
          <span className="commit-subject">{c.subject}</span>
          <span className="muted small">
            {c.author_name} · {timeAgo(c.authored_at)}
          </span>
        </li>
      ))}
      {query.data.truncated ? <li className="muted small">More commits are not shown.</li> : null}
    </ol>
  )
}
