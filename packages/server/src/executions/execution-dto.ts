import type { Execution, ExecutionStep } from '@agent-squad/contract'
import type { executionSteps } from '../db/schema.ts'
import type { ExecutionRow } from './find-owned-execution.ts'

export type StepRow = typeof executionSteps.$inferSelect

const iso = (date: Date | null) => (date ? date.toISOString() : null)

/** `queuePosition` is computed by the caller (see executions/queue-position.ts) while queued. */
export const toExecutionDto = (row: ExecutionRow, queuePosition: number | null = null): Execution => ({
  id: row.id,
  task_id: row.taskId,
  squad_id: row.squadId,
  agent_id: row.agentId,
  attempt: row.attempt,
  status: row.status as Execution['status'],
  git_branch: row.gitBranch,
  base_commit: row.baseCommit,
  pull_request_url: row.pullRequestUrl,
  commit_history: row.commitHistory,
  sandbox_id: row.sandboxId,
  sandbox_seconds: row.sandboxSeconds,
  error: row.error,
  run_reason: row.runReason as Execution['run_reason'],
  queue_position: row.status === 'queued' ? queuePosition : null,
  queued_at: row.queuedAt.toISOString(),
  started_at: iso(row.startedAt),
  finished_at: iso(row.finishedAt),
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
})

/** `duration_ms` only once a step has both ends; a running step has none yet (clients tick locally). */
export const toStepDto = (row: StepRow): ExecutionStep => ({
  id: row.id,
  execution_id: row.executionId,
  name: row.name,
  status: row.status as ExecutionStep['status'],
  attempt: row.attempt,
  started_at: iso(row.startedAt),
  finished_at: iso(row.finishedAt),
  duration_ms:
    row.startedAt && row.finishedAt ? Math.max(0, row.finishedAt.getTime() - row.startedAt.getTime()) : null,
  result: row.result,
  error: row.error,
})
