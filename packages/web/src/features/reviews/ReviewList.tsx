import type { Execution, Review, ReviewVerdict } from '@agent-squad/contract'
import { Link } from 'react-router'
import { Badge, type Tone } from '../../shared/ui/Badge.tsx'
import { timeAgo } from '../../shared/ui/format.ts'
import { GitHubIcon } from '../../shared/ui/icons.tsx'

export const verdictLabels: Record<ReviewVerdict, string> = {
  approved: 'Approved',
  changes_requested: 'Changes requested',
  commented: 'Commented',
}
const verdictTones: Record<ReviewVerdict, Tone> = {
  approved: 'success',
  changes_requested: 'warning',
  commented: 'neutral',
}

/**
 * Who wrote a review: an agent, a person here, or (any other kind, like `github`) someone on the
 * forge. The person looking at the page reads their own reviews as "You" (the server without
 * accounts calls its one user "local", which read as "local person").
 */
function ReviewAuthor({ review, meId }: { review: Review; meId: string | undefined }) {
  const kind: string = review.author_kind
  if (kind === 'user' && meId && review.author_id === meId)
    return <strong title={`Signed in as ${review.author_name}`}>You</strong>
  if (kind === 'agent' || kind === 'user')
    return (
      <>
        <strong>{review.author_name}</strong>
        <span className="muted small">{kind === 'agent' ? 'agent' : 'person'}</span>
      </>
    )
  const github = kind === 'github'
  return (
    <>
      <strong className="review-forge-author" title={github ? `${review.author_name} on GitHub` : undefined}>
        {github ? <GitHubIcon size={13} /> : null}
        {review.author_name}
      </strong>
      <span className="muted small">{github ? 'on GitHub' : kind.replace(/_/g, ' ')}</span>
    </>
  )
}

/** What a revision run came to, as the review's reader wants to know it. */
const followUpOutcomes: Record<Execution['status'], string> = {
  queued: 'queued',
  running: 'running',
  succeeded: 'pushed its changes to the pull request',
  no_changes: 'made no changes: the pull request is as it was',
  failed: 'failed',
  cancelled: 'was cancelled',
}

type ReviewItemProps = { review: Review; meId: string | undefined; runs: ReadonlyMap<string, Execution> }

function ReviewItem({ review, meId, runs }: ReviewItemProps) {
  const followUp = review.follow_up_execution_id ? runs.get(review.follow_up_execution_id) : undefined
  return (
    <li className={`review review-${review.verdict}`} data-review-id={review.id}>
      <header className="review-header">
        <ReviewAuthor review={review} meId={meId} />
        <Badge tone={verdictTones[review.verdict]}>{verdictLabels[review.verdict]}</Badge>
        <span className="muted small">
          round {review.round} · {timeAgo(review.created_at)}
        </span>
      </header>
      {review.body ? <p className="review-body">{review.body}</p> : null}
      {review.comments.length ? (
        <ul className="review-comments" aria-label="File comments">
          {review.comments.map((c) => (
            // A review may hold two remarks on one line, but never the same remark twice.
            <li key={`${c.path}:${c.line ?? ''}:${c.body}`}>
              <span className="mono">
                {c.path}
                {c.line ? `:${c.line}` : ''}
              </span>{' '}
              {c.body}
            </li>
          ))}
        </ul>
      ) : null}
      {review.execution_id || review.follow_up_execution_id ? (
        <p className="review-links small">
          {review.execution_id ? <Link to={`/executions/${review.execution_id}`}>Reviewer's run</Link> : null}
          {review.follow_up_execution_id ? (
            <Link to={`/executions/${review.follow_up_execution_id}`} data-testid="follow-up-link">
              Follow-up run (revision)
            </Link>
          ) : null}
          {followUp ? (
            <span className={`follow-up follow-up-${followUp.status}`} data-testid="follow-up-outcome">
              {followUpOutcomes[followUp.status]}
            </span>
          ) : null}
        </p>
      ) : null}
    </li>
  )
}

const noRuns: ReadonlyMap<string, Execution> = new Map()

/**
 * A task's reviews, oldest round first, each with its verdict, remarks and the runs it relates to
 * (`runs`: the task's executions by id, for what a revision run came to).
 */
export function ReviewList({
  reviews,
  meId,
  runs = noRuns,
}: {
  reviews: readonly Review[]
  meId?: string | undefined
  runs?: ReadonlyMap<string, Execution>
}) {
  if (!reviews.length) return <p className="muted small">No reviews yet.</p>
  return (
    <ol className="review-list">
      {reviews.map((r) => (
        <ReviewItem key={r.id} review={r} meId={meId} runs={runs} />
      ))}
    </ol>
  )
}
