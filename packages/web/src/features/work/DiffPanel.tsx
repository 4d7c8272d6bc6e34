import { usePullDiff } from '../../shared/api/pulls.ts'
import { DiffView } from '../../shared/ui/diff/DiffView.tsx'
import { Empty, ErrorState, Loading } from '../../shared/ui/States.tsx'

/** The execution's changes: the diff of its pull request once there is one. */
export function DiffPanel({ pullRequest }: { pullRequest: { repositoryId: string; number: number } | null }) {
  const diff = usePullDiff(pullRequest?.repositoryId, pullRequest?.number)
  if (!pullRequest)
    return (
      <Empty title="No diff yet">
        The changed files appear here once the agent has pushed its branch and opened the pull request.
      </Empty>
    )
  if (diff.isPending) return <Loading label="Loading the diff…" />
  if (diff.isError)
    return <ErrorState error={diff.error} onRetry={() => diff.refetch()} title="Could not load the diff" />
  return <DiffView diff={diff.data} />
}
