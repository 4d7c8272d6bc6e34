import type { PullRequest } from '@agent-squad/contract'
import type { pullRequests } from '../db/schema.ts'
import type { NewEvent } from '../events/append-event.ts'
import type { PullRequestOnForge } from '../forge/forge.ts'

export type PullRequestRow = typeof pullRequests.$inferSelect

/** The pull request's page in the web app (the API's own path is the same under /api/v1). */
export const pullRequestUrl = (baseUrl: string, repositoryId: string, number: number) =>
  `${baseUrl}/repositories/${repositoryId}/pulls/${number}`

export const toPullRequestDto = (row: PullRequestRow, baseUrl: string): PullRequest => ({
  id: row.id,
  repository_id: row.repositoryId,
  squad_id: row.squadId,
  task_id: row.taskId,
  execution_id: row.executionId,
  number: row.number,
  title: row.title,
  body: row.body,
  head: row.head,
  base: row.base,
  state: row.state as PullRequest['state'],
  labels: row.labels,
  reviewers: row.reviewers,
  // A forge's own page (GitHub) when the row mirrors one, else the web app's page of a local one.
  url: row.htmlUrl ?? pullRequestUrl(baseUrl, row.repositoryId, row.number),
  merge_commit: row.mergeCommit,
  merged_at: row.mergedAt?.toISOString() ?? null,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
})

/** A pull request event: on the squad's stream, and on the task's and execution's when it has them. */
export const pullRequestEvent = (
  type: 'pull_request.opened' | 'pull_request.updated' | 'pull_request.merged',
  pr: PullRequest,
): NewEvent => ({
  type,
  squadId: pr.squad_id,
  taskId: pr.task_id,
  executionId: pr.execution_id,
  payload: pr,
})

/** What a forge needs of a recorded pull request to read or merge it. */
export const pullRequestOnForge = (row: PullRequestRow): PullRequestOnForge => ({
  number: row.number,
  head: row.head,
  base: row.base,
  title: row.title,
  state: row.state as PullRequestOnForge['state'],
})
