import type { SquadConfig, StepName } from '@agent-squad/contract'
import type { Forge, RepoRef } from '../../forge/forge.ts'
import type { NetworkPolicy, Sandbox } from '../../sandbox/sandbox-provider.ts'
import type { Redactor } from '../../secrets/redactor.ts'
import type { TaskRow } from '../../tasks/find-owned-task.ts'
import type { ExecutionRow } from '../find-owned-execution.ts'
import type { ExecutionStore } from './execution-store.ts'
import type { LogWriter } from './log-writer.ts'
import type { AgentRow, PipelineDeps } from './pipeline-deps.ts'

export type StepResult = Record<string, unknown>

/** Everything one run of one execution works with; steps read and extend it. */
export type ExecutionContext = {
  deps: PipelineDeps
  execution: ExecutionRow
  task: TaskRow
  /**
   * The task whose branch and pull request the run works on: the task itself, or the parent of a
   * subtask in a chain (subtasks hand the work on along the parent's branch to one pull request).
   */
  branchTask: TaskRow
  repo: RepoRef
  forge: Forge
  agent: AgentRow | null
  squadConfig: SquadConfig
  store: ExecutionStore
  log: LogWriter
  /** The server's redactor plus this execution's own secrets (its forge token). */
  redactor: Redactor
  signal: AbortSignal
  /** Results of finished steps, loaded from the database on resume. */
  results: Partial<Record<StepName, StepResult>>
  sandbox: Sandbox | null
  /**
   * What the agent's commands may reach (the squad's mode and allowlist, or the run's override).
   * The pipeline's own git fetch and push reach exactly the forge, whatever this says.
   */
  network: NetworkPolicy
}

export type StepOutcome = {
  result: StepResult
  /**
   * Ends the run early with this status: `no_changes` (the commit step found nothing to commit),
   * `succeeded` (a plan or a review, which commit nothing).
   */
  stop?: 'no_changes' | 'succeeded'
}

export type Step = (ctx: ExecutionContext) => Promise<StepOutcome>

/** A string field of a step's stored result (results are JSON, so read them defensively). */
export function resultString(ctx: ExecutionContext, step: StepName, key: string): string | null {
  const value = ctx.results[step]?.[key]
  return typeof value === 'string' ? value : null
}

/** The sandbox, which every step after provisioning needs. */
export function requireSandbox(ctx: ExecutionContext): Sandbox {
  if (!ctx.sandbox) throw new Error('the sandbox is not available')
  return ctx.sandbox
}
