import { CreateReviewBody, CreateReviewResult, Id, Review } from '@agent-squad/contract'
import { z } from 'zod'
import { createReview } from '../../reviews/create-review.ts'
import { listReviews } from '../../reviews/list-reviews.ts'
import { defineRoute } from '../route.ts'

const IdParams = z.object({ id: Id })
const tag = 'reviews'

export const reviewRoutes = [
  defineRoute({
    method: 'post',
    path: '/tasks/:id/reviews',
    tag,
    summary: "Review the task's pull request",
    description:
      '`changes_requested` queues a revision: the implementing agent addresses the review on the same branch ' +
      'and pull request (`follow_up_execution_id`). 409 when the task has no pull request yet or a run is ' +
      'already queued or running.',
    params: IdParams,
    body: CreateReviewBody,
    status: 201,
    response: CreateReviewResult,
    handler: ({ deps, user, params, body }) =>
      createReview({ db: deps.database.db, user, taskId: params.id, input: body }),
  }),
  defineRoute({
    method: 'get',
    path: '/tasks/:id/reviews',
    tag,
    summary: "A task's reviews, oldest first",
    description: "By the squad's reviewer agent and by people; each says whether it queued a revision.",
    params: IdParams,
    response: z.object({ items: z.array(Review), next_cursor: z.null() }),
    handler: async ({ deps, user, params }) => ({
      items: await listReviews({ db: deps.database.db, user, taskId: params.id }),
      next_cursor: null,
    }),
  }),
]
