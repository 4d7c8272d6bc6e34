import type { CreateReviewBody, CreateReviewResult, Page, Review } from '@agent-squad/contract'
import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from './client.ts'
import { keys } from './keys.ts'

// The server sends a task's reviews oldest first and numbers them by round; the same review can
// arrive twice (the POST's answer and its `review.submitted` event, or a replay after a load).
const byRound = (a: Review, b: Review) =>
  a.round - b.round || Date.parse(a.created_at) - Date.parse(b.created_at) || a.id.localeCompare(b.id)

/** Reviews with `incoming` folded in: one entry per id (the incoming copy wins), oldest round first. */
export function mergeReviews(reviews: readonly Review[], incoming: readonly Review[]): Review[] {
  const byId = new Map(reviews.map((r) => [r.id, r]))
  for (const review of incoming) byId.set(review.id, review)
  return [...byId.values()].sort(byRound)
}

export const useTaskReviews = (taskId: string | null | undefined) =>
  useQuery({
    queryKey: keys.taskReviews(taskId ?? ''),
    queryFn: ({ signal }) => api.get<Page<Review>>(`/tasks/${taskId}/reviews`, {}, signal),
    enabled: Boolean(taskId),
  })

/**
 * Puts a review (from a response or an event) into its task's list, if a page has loaded that list.
 * While the list is still loading its answer may predate the review, so it is asked for again.
 */
export function storeReview(client: QueryClient, review: Review) {
  const key = keys.taskReviews(review.task_id)
  const state = client.getQueryState<Page<Review>>(key)
  if (!state) return
  if (state.data) {
    client.setQueryData<Page<Review>>(key, (page) =>
      page ? { ...page, items: mergeReviews(page.items, [review]) } : page,
    )
  } else void client.invalidateQueries({ queryKey: key })
}

/** A person's review of the task's pull request; `changes_requested` queues a revision run. */
export function useCreateReview(taskId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: CreateReviewBody) => api.post<CreateReviewResult>(`/tasks/${taskId}/reviews`, body),
    onSuccess: (result) => {
      storeReview(client, result.review)
      // The queued revision joins the task's runs; its events may reach this page after the answer.
      if (result.follow_up_execution_id)
        void client.invalidateQueries({ queryKey: keys.taskExecutions(taskId) })
    },
  })
}
