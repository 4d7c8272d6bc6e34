import { z } from 'zod'
import { Id, JsonObject, Timestamp } from './common.ts'
import { NetworkSetting } from './squads.ts'

export const executionStatuses = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'no_changes',
] as const
export const ExecutionStatus = z.enum(executionStatuses)
export type ExecutionStatus = z.infer<typeof ExecutionStatus>

export const stepNames = [
  'provision',
  'clone',
  'branch',
  'agent',
  'commit',
  'push',
  'pull_request',
  'cleanup',
] as const
export const StepName = z.enum(stepNames)
export type StepName = z.infer<typeof StepName>

/** `cancelled`: the step was running when the execution was cancelled. */
export const stepStatuses = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'] as const
export const StepStatus = z.enum(stepStatuses)
export type StepStatus = z.infer<typeof StepStatus>

export const sandboxStatuses = ['CREATED', 'RUNNING', 'TERMINATED', 'ERROR'] as const
export const SandboxStatus = z.enum(sandboxStatuses)
export type SandboxStatus = z.infer<typeof SandboxStatus>

export const Commit = z.object({
  sha: z.string(),
  message: z.string(),
  author: z.string().optional(),
  committed_at: Timestamp.optional(),
})
export type Commit = z.infer<typeof Commit>

export const ExecutionStep = z.object({
  id: Id,
  execution_id: Id,
  name: z.string(),
  status: StepStatus,
  attempt: z.number().int(),
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
  duration_ms: z.number().int().nullable(),
  result: JsonObject.nullable(),
  error: z.string().nullable(),
})
export type ExecutionStep = z.infer<typeof ExecutionStep>

/**
 * Why an execution exists: `start` (first run), `retry` (a later run of the same work), `plan` (the
 * lead splits the task into subtasks), `review` (the reviewer reads the pull request) and `revision`
 * (the implementer addresses review feedback on the same branch and pull request).
 */
export const runReasons = ['start', 'retry', 'plan', 'review', 'revision'] as const
export const RunReason = z.enum(runReasons)
export type RunReason = z.infer<typeof RunReason>

export const Execution = z.object({
  id: Id,
  task_id: Id,
  squad_id: Id,
  agent_id: Id.nullable(),
  attempt: z.number().int().positive(),
  status: ExecutionStatus,
  git_branch: z.string().nullable(),
  base_commit: z.string().nullable(),
  pull_request_url: z.string().nullable(),
  commit_history: z.array(Commit),
  sandbox_id: Id.nullable(),
  /** Seconds its sandboxes ran, added as each one ends (what a cloud sandbox provider bills). */
  sandbox_seconds: z.number().int().nonnegative(),
  error: z.string().nullable(),
  /** Why this attempt exists (see runReasons). */
  run_reason: RunReason,
  /** 1-based place in the queue while `queued` (null otherwise). */
  queue_position: z.number().int().positive().nullable(),
  queued_at: Timestamp,
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
})
export type Execution = z.infer<typeof Execution>

export const ExecutionWithSteps = Execution.extend({ steps: z.array(ExecutionStep) })
export type ExecutionWithSteps = z.infer<typeof ExecutionWithSteps>

export const StartExecutionBody = z.strictObject({
  /** Run as this agent instead of the task's assignee. */
  agent_id: Id.optional(),
  /** Override the squad's network mode for this run (`off`, `allowlist`, `internet`). */
  network: NetworkSetting.optional(),
})
export type StartExecutionBody = z.infer<typeof StartExecutionBody>

/** A stage of a git operation, for progress bars (clone, commit, push, pull request). */
export const GitProgress = z.object({
  operation: z.enum(['clone', 'branch', 'commit', 'push', 'rebase', 'pull_request']),
  phase: z.enum(['started', 'progress', 'finished', 'failed', 'retrying']),
  /** 0–100 where git reports it. */
  percent: z.number().min(0).max(100).nullable(),
  message: z.string(),
})
export type GitProgress = z.infer<typeof GitProgress>

export const SandboxState = z.object({
  id: Id,
  provider: z.string(),
  status: SandboxStatus,
  message: z.string().nullable(),
})
export type SandboxState = z.infer<typeof SandboxState>

/**
 * Something a run could not do for the repository but went on without, for the person to know:
 * `submodules` not initialised (their folders stay empty), `lfs` files left as pointer text.
 */
export const ExecutionWarning = z.object({
  /** `agent`: what an agent CLI did on the way (not the tested version, a refused tool, a retried stream). */
  kind: z.enum(['submodules', 'lfs', 'agent']),
  message: z.string(),
})
export type ExecutionWarning = z.infer<typeof ExecutionWarning>

/** A connection the sandbox's network policy refused (e.g. to the server's own machine). */
export const ConnectionBlocked = z.object({
  host: z.string(),
  port: z.number().int(),
  reason: z.string(),
})
export type ConnectionBlocked = z.infer<typeof ConnectionBlocked>
