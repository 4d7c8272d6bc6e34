import type {
  ConnectionBlocked,
  ExecutionStatus,
  ExecutionWarning,
  GitProgress,
  SandboxState,
  StepName,
  StepStatus,
} from '@agent-squad/contract'
import { and, desc, eq, sql } from 'drizzle-orm'
import type { Db, Executor } from '../../db/database.ts'
import { events, executionSteps, taskExecutions } from '../../db/schema.ts'
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
 * More work in an execution update's transaction (moving the task, recording the sandbox). It
 * returns the events of what it changed, which are appended after it, together with the update's own.
 */
export type AlsoInTransaction = (tx: Executor, row: ExecutionRow) => Promise<NewEvent[] | undefined>

/**
 * Every write the pipeline makes about one execution, each in a transaction with its event, so the
 * database and the streams always tell the same story.
 */
export function createExecutionStore(db: Db, ids: { executionId: string; squadId: string; taskId: string }) {
  const scope = { squadId: ids.squadId, taskId: ids.taskId, executionId: ids.executionId }

  /**
   * Two rules keep these transactions from deadlocking with each other on PostgreSQL:
   * - Events go last, after whatever `also` locks (the squad's row, to move the task): appending
   *   takes the event log's lock, and a transaction that took it before a row lock could wait on a
   *   transaction that holds a share lock on that row (any insert referencing the squad, such as a
   *   pull request) while that one waits for the event log.
   * - The execution row is updated once per transaction. Postgres checks the foreign keys of a row
   *   the transaction already changed, which takes a key-share lock on the squad's row; two such
   *   transactions then both wait to lock that row for the move.
   */
  const updateExecutionIn = async (
    tx: Executor,
    patch: ExecutionPatch &
      Partial<Pick<typeof taskExecutions.$inferInsert, 'leaseOwner' | 'leaseExpiresAt'>>,
    also?: AlsoInTransaction,
  ): Promise<ExecutionRow> => {
    const [row] = await tx
      .update(taskExecutions)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(taskExecutions.id, ids.executionId))
      .returning()
    if (!row) throw new Error(`execution ${ids.executionId} disappeared`)
    const more = (await also?.(tx, row)) ?? []
    await appendEvents(tx, [{ type: 'execution.updated', ...scope, payload: toExecutionDto(row) }, ...more])
    return row
  }

  return {
    scope,

    async steps() {
      return db.select().from(executionSteps).where(eq(executionSteps.executionId, ids.executionId))
    },

    /** Changes a step and says so; answers the stored step (its `attempt` grows when it starts running). */
    async updateStep(name: StepName, patch: StepPatch) {
      return db.transaction(async (tx) => {
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
        return row
      })
    },

    /** The text of the execution's newest log event, or null: where a resumed run's log goes on from. */
    async lastLogText(): Promise<string | null> {
      const [row] = await db
        .select({ payload: events.payload })
        .from(events)
        .where(and(eq(events.executionId, ids.executionId), eq(events.type, 'log')))
        .orderBy(desc(events.id))
        .limit(1)
      const text = (row?.payload as { text?: unknown } | undefined)?.text
      return typeof text === 'string' ? text : null
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

    updateExecution(patch: ExecutionPatch, also?: AlsoInTransaction) {
      return db.transaction((tx) => updateExecutionIn(tx, patch, also))
    },

    /** The final state, with the worker's lease released, in one update (see updateExecutionIn). */
    finish(status: ExecutionStatus, error: string | null, also?: AlsoInTransaction) {
      return db.transaction((tx) =>
        updateExecutionIn(
          tx,
          { status, error, finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null },
          also,
        ),
      )
    },

    async gitProgress(progress: GitProgress) {
      await db.transaction((tx) => appendEvent(tx, { type: 'git.progress', ...scope, payload: progress }))
    },

    async connectionBlocked(blocked: ConnectionBlocked) {
      await db.transaction((tx) =>
        appendEvent(tx, { type: 'sandbox.connection_blocked', ...scope, payload: blocked }),
      )
    },
    async warning(warning: ExecutionWarning) {
      await db.transaction((tx) => appendEvent(tx, { type: 'execution.warning', ...scope, payload: warning }))
    },
    async sandboxState(state: SandboxState) {
      await db.transaction((tx) => appendEvent(tx, { type: 'sandbox.updated', ...scope, payload: state }))
    },
  }
}

export type ExecutionStore = ReturnType<typeof createExecutionStore>
