import { z } from 'zod'
import { Id, JsonObject, Timestamp } from './common.ts'

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

export const stepStatuses = ['pending', 'running', 'succeeded', 'failed', 'skipped'] as const
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
  error: z.string().nullable(),
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
})
export type Execution = z.infer<typeof Execution>

export const ExecutionWithSteps = Execution.extend({ steps: z.array(ExecutionStep) })
export type ExecutionWithSteps = z.infer<typeof ExecutionWithSteps>
