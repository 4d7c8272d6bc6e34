import { z } from 'zod'
import { Id, Timestamp, trimmed } from './common.ts'

/** A review's outcome: the implementer addresses `changes_requested` in a follow-up run. */
export const reviewVerdicts = ['approved', 'changes_requested', 'commented'] as const
export const ReviewVerdict = z.enum(reviewVerdicts)
export type ReviewVerdict = z.infer<typeof ReviewVerdict>

export const reviewAuthorKinds = ['agent', 'user', 'github'] as const
export const ReviewAuthorKind = z.enum(reviewAuthorKinds)
export type ReviewAuthorKind = z.infer<typeof ReviewAuthorKind>

/** A remark on one place of the change. */
export const ReviewComment = z.object({
  path: trimmed(1, 500, 'The file'),
  line: z.number().int().positive().nullable().default(null),
  body: trimmed(1, 4000, 'The comment'),
})
export type ReviewComment = z.infer<typeof ReviewComment>

/**
 * A review of a task's pull request, by the squad's reviewer agent or by a person. Reviews belong to
 * the task (not to a forge), so they work the same on the local forge and on GitHub.
 */
export const Review = z.object({
  id: Id,
  squad_id: Id,
  task_id: Id,
  /** The reviewer agent's execution; null for a person's review. */
  execution_id: Id.nullable(),
  /**
   * `agent`: the squad's reviewer; `user`: a person of this server; `github`: a person on GitHub
   * (a review or a comment mentioning the squad's handle), `author_name` being their login.
   */
  author_kind: ReviewAuthorKind,
  /** The agent's or the user's id; null for a GitHub author. */
  author_id: Id.nullable(),
  author_name: z.string(),
  verdict: ReviewVerdict,
  body: z.string(),
  comments: z.array(ReviewComment),
  /** 1 for the first review of the task, then counting up. */
  round: z.number().int().positive(),
  /** The follow-up execution this review started, when it started one. */
  follow_up_execution_id: Id.nullable(),
  pull_request_url: z.string().nullable(),
  created_at: Timestamp,
})
export type Review = z.infer<typeof Review>

/**
 * A person's review from the UI or the API. `changes_requested` queues a follow-up run of the
 * implementing agent on the same branch and pull request, with this review as its instructions.
 */
export const CreateReviewBody = z.strictObject({
  verdict: ReviewVerdict,
  body: z.string().trim().max(20_000).default(''),
  comments: z.array(ReviewComment).max(100).default([]),
})
export type CreateReviewBody = z.infer<typeof CreateReviewBody>

export const CreateReviewResult = z.object({
  review: Review,
  /** The queued follow-up run (changes requested), else null. */
  follow_up_execution_id: Id.nullable(),
})
export type CreateReviewResult = z.infer<typeof CreateReviewResult>

/** Two executions on one repository changed the same files: a merge will need care. */
export const ExecutionOverlap = z.object({
  repository_id: Id,
  execution_id: Id,
  task_id: Id,
  other_execution_id: Id,
  other_task_id: Id,
  other_task_number: z.number().int().positive(),
  files: z.array(z.string()),
})
export type ExecutionOverlap = z.infer<typeof ExecutionOverlap>
