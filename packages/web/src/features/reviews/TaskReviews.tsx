import { useMemo } from 'react'
import { useTaskExecutions } from '../../shared/api/executions.ts'
import { useMe } from '../../shared/api/me.ts'
import { useTaskReviews } from '../../shared/api/reviews.ts'
import { ErrorState, Loading } from '../../shared/ui/States.tsx'
import { ReviewForm } from './ReviewForm.tsx'
import { ReviewList } from './ReviewList.tsx'
import './reviews.css'

type TaskReviewsProps = {
  taskId: string
  /** Whether the task has a pull request: only then can a person review it. */
  reviewable: boolean
  /** The files the pull request changed, when the page has loaded its diff: offered for file comments. */
  files?: readonly string[] | undefined
}

/**
 * The reviews of a task's pull request and the form to add one. The list is loaded once and then
 * kept current by the squad's stream (`review.submitted`), which the page must be subscribed to.
 */
export function TaskReviews({ taskId, reviewable, files }: TaskReviewsProps) {
  const reviews = useTaskReviews(taskId)
  const items = reviews.data?.items ?? []
  const me = useMe()
  // The task's runs (kept live by the squad's stream) tell what each revision run came to.
  const executions = useTaskExecutions(items.some((r) => r.follow_up_execution_id) ? taskId : undefined)
  const runs = useMemo(() => new Map((executions.data?.items ?? []).map((e) => [e.id, e])), [executions.data])
  // A task without a pull request (a parent, a plan) shows the section only if it has reviews anyway.
  if (!reviewable && items.length === 0) return null
  return (
    <section className="panel task-reviews" aria-label="Reviews">
      <header className="panel-header">
        <h2>Reviews{items.length ? ` (${items.length})` : ''}</h2>
      </header>
      {reviews.isPending ? (
        <Loading label="Loading reviews…" />
      ) : reviews.isError ? (
        <ErrorState
          error={reviews.error}
          onRetry={() => reviews.refetch()}
          title="Could not load the reviews"
        />
      ) : (
        <ReviewList reviews={items} meId={me.data?.id} runs={runs} />
      )}
      {reviewable ? <ReviewForm taskId={taskId} files={files} /> : null}
    </section>
  )
}
