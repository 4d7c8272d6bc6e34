import type { Review, ReviewVerdict } from '@agent-squad/contract'
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

/** Who wrote a review: an agent, a person here, or (any other kind, like `github`) someone on the forge. */
function ReviewAuthor({ review }: { review: Review }) {
  const kind: string = review.author_kind
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

function ReviewItem({ review }: { review: Review }) {
  return (
    <li className={`review review-${review.verdict}`} data-review-id={review.id}>
      <header className="review-header">
        <ReviewAuthor review={review} />
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
        </p>
      ) : null}
    </li>
  )
}

/** A task's reviews, oldest round first, each with its verdict, remarks and the runs it relates to. */
export function ReviewList({ reviews }: { reviews: readonly Review[] }) {
  if (!reviews.length) return <p className="muted small">No reviews yet.</p>
  return (
    <ol className="review-list">
      {reviews.map((r) => (
        <ReviewItem key={r.id} review={r} />
      ))}
    </ol>
  )
}
