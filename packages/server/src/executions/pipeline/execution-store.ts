import type { ExecutionStatus, GitProgress, SandboxState, StepName, StepStatus } from '@agent-squad/contract'
import { and, eq, sql } from 'drizzle-orm'
import type { Db, Executor } from '../../db/database.ts'
import { executionSteps, taskExecutions } from '../../db/schema.ts'
import { appendEvent, appendEvents, type NewEvent } from '../../events/append-event.ts'
import { toExecutionDto, toStepDto } from '../execution-dto.ts'
import type { ExecutionRow } from '../find-owned-execution.ts'

export type StepPatch = {
  status: StepStatus
  result?: Record<string, unknown> | null
  error?: string | null
}

export type ExecutionPatch = Partial<
  Pick<
    typeof taskExecutions.$inferInsert,
    | 'status'
    | 'gitBranch'
    | 'baseCommit'
    | 'pullRequestUrl'
    | 'commitHistory'
    | 'sandboxId'
    | 'error'
    | 'finishedAt'
  >
>

/**
 * Every write the pipeline makes about one execution, each in a transaction with its event, so the
 * database and the streams always tell the same story.
 */
export function createExecutionStore(db: Db, ids: { executionId: string; squadId: string; taskId: string }) {
  const scope = { squadId: ids.squadId, taskId: ids.taskId, executionId: ids.executionId }

  const updateExecutionIn = async (tx: Executor, patch: ExecutionPatch): Promise<ExecutionRow> => {
    const [row] = await tx
      .update(taskExecutions)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(taskExecutions.id, ids.executionId))
      .returning()
    if (!row) throw new Error(`execution ${ids.executionId} disappeared`)
    await appendEvent(tx, { type: 'execution.updated', ...scope, payload: toExecutionDto(row) })
    return row
  }

  return {
    scope,

    async steps() {
      return db.select().from(executionSteps).where(eq(executionSteps.executionId, ids.executionId))
    },

    async updateStep(name: StepName, patch: StepPatch) {
      await db.transaction(async (tx) => {
        const now = new Date()
        const [row] = await tx
          .update(executionSteps)
          .set({
            status: patch.status,
            ...(patch.status === 'running'
              ? { startedAt: now, finishedAt: null, error: null, attempt: sql`${executionSteps.attempt} + 1` }
              : { finishedAt: now }),
            ...(patch.result !== undefined ? { result: patch.result } : {}),
            ...(patch.error !== undefined ? { error: patch.error } : {}),
          })
          .where(and(eq(executionSteps.executionId, ids.executionId), eq(executionSteps.name, name)))
          .returning()
        if (!row) throw new Error(`step ${name} of execution ${ids.executionId} is missing`)
        await appendEvent(tx, { type: 'step.updated', ...scope, payload: toStepDto(row) })
      })
    },

    /** Marks steps pending again (a lost sandbox means redoing the steps that built it). */
    async resetSteps(names: StepName[]) {
      await db.transaction(async (tx) => {
        const events: NewEvent[] = []
        for (const name of names) {
          const [row] = await tx
            .update(executionSteps)
            .set({ status: 'pending', startedAt: null, finishedAt: null, result: null, error: null })
            .where(and(eq(executionSteps.executionId, ids.executionId), eq(executionSteps.name, name)))
            .returning()
          if (row) events.push({ type: 'step.updated', ...scope, payload: toStepDto(row) })
        }
        await appendEvents(tx, events)
      })
    },

    updateExecution(patch: ExecutionPatch, also?: (tx: Executor, row: ExecutionRow) => Promise<void>) {
      return db.transaction(async (tx) => {
        const row = await updateExecutionIn(tx, patch)
        if (also) await also(tx, row)
        return row
      })
    },

    async finish(
      status: ExecutionStatus,
      error: string | null,
      also?: (tx: Executor, row: ExecutionRow) => Promise<void>,
    ) {
      return db.transaction(async (tx) => {
        const [released] = await tx
          .update(taskExecutions)
          .set({ leaseOwner: null, leaseExpiresAt: null })
          .where(eq(taskExecutions.id, ids.executionId))
          .returning({ id: taskExecutions.id })
        if (!released) throw new Error(`execution ${ids.executionId} disappeared`)
        const row = await updateExecutionIn(tx, { status, error, finishedAt: new Date() })
        if (also) await also(tx, row)
        return row
      })
    },

    async gitProgress(progress: GitProgress) {
      await db.transaction((tx) => appendEvent(tx, { type: 'git.progress', ...scope, payload: progress }))
    },

    async sandboxState(state: SandboxState) {
      await db.transaction((tx) => appendEvent(tx, { type: 'sandbox.updated', ...scope, payload: state }))
    },
  }
}

export type ExecutionStore = ReturnType<typeof createExecutionStore>
