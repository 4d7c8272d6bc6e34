import { usePullDiff } from '../../shared/api/pulls.ts'
import { DiffView } from '../../shared/ui/diff/DiffView.tsx'
import { PullRequestLink } from '../../shared/ui/PullRequestLink.tsx'
import { Empty, ErrorState, Loading } from '../../shared/ui/States.tsx'

/** The execution's changes: the diff of its pull request once there is one. */
export function DiffPanel({
  pullRequest,
  externalUrl = null,
}: {
  pullRequest: { repositoryId: string; number: number } | null
  /** A pull request on GitHub (or another forge): its diff is read there. */
  externalUrl?: string | null
}) {
  const diff = usePullDiff(pullRequest?.repositoryId, pullRequest?.number)
  if (!pullRequest && externalUrl)
    return (
      <Empty
        title="The diff is on the forge"
        action={<PullRequestLink url={externalUrl}>Open the pull request</PullRequestLink>}
      >
        This repository's pull requests live on GitHub; read and comment on the changes there.
      </Empty>
    )
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
