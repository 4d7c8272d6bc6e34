import type { Review } from '@agent-squad/contract'
import type { reviews } from '../db/schema.ts'

export type ReviewRow = typeof reviews.$inferSelect

export const toReviewDto = (row: ReviewRow): Review => ({
  id: row.id,
  squad_id: row.squadId,
  task_id: row.taskId,
  execution_id: row.executionId,
  author_kind: row.authorKind as Review['author_kind'],
  author_id: row.authorId,
  author_name: row.authorName,
  verdict: row.verdict as Review['verdict'],
  body: row.body,
  comments: row.comments,
  round: row.round,
  follow_up_execution_id: row.followUpExecutionId,
  pull_request_url: row.pullRequestUrl,
  created_at: row.createdAt.toISOString(),
})
