import type { Execution, NetworkSetting, RunReason, TaskStatus } from '@agent-squad/contract'
import { stepNames } from '@agent-squad/contract'
import { and, desc, eq, inArray, sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { executionSteps, taskExecutions } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import { newId } from '../domain/ids.ts'
import type { NewEvent } from '../events/append-event.ts'
import { taskBranchName } from '../git/branch-name.ts'
import type { TaskRow } from '../tasks/find-owned-task.ts'
import { moveTaskToColumn } from '../tasks/move-task-to-column.ts'
import { branchTaskOf } from '../workflow/branch-task.ts'
import { toExecutionDto } from './execution-dto.ts'
import { notifyWorkers } from './queue/jobs-channel.ts'
import { queuePosition } from './queue-position.ts'

/**
 * Queues one execution of a task inside the caller's transaction, which must already hold the
 * squad's row lock (it orders concurrent starts of one task): the execution with its eight pending
 * steps, the task moved to `column`, the workers woken. Returns the events to append, after the
 * caller's own changes. A task runs one execution at a time: a second one is a conflict.
 */
export async function queueExecution(
  tx: Executor,
  options: {
    task: TaskRow
    agentId: string | null
    runReason?: RunReason
    network?: NetworkSetting
    /** Where the task goes (default: in progress); a review keeps it in review. */
    column?: TaskStatus
  },
): Promise<{ execution: Execution; events: NewEvent[] }> {
  const { task } = options
  const active = await tx
    .select({ id: taskExecutions.id })
    .from(taskExecutions)
    .where(and(eq(taskExecutions.taskId, task.id), inArray(taskExecutions.status, ['queued', 'running'])))
  if (active[0])
    throw new AppError('conflict', 'This task already has an execution queued or running', {
      details: { execution_id: active[0].id },
    })
  const [previous] = await tx
    .select({ attempt: taskExecutions.attempt })
    .from(taskExecutions)
    .where(eq(taskExecutions.taskId, task.id))
    .orderBy(desc(taskExecutions.attempt))
    .limit(1)
  const id = newId()
  const [row] = await tx
    .insert(taskExecutions)
    .values({
      id,
      taskId: task.id,
      squadId: task.squadId,
      agentId: options.agentId,
      attempt: (previous?.attempt ?? 0) + 1,
      status: 'queued',
      // The time of joining the queue, under the squad's lock: now() would be the transaction's
      // start, so a start that waited for the lock could line up ahead of one that committed (and
      // may already run) before it, and a waiting execution's queue position could go up.
      queuedAt: sql`clock_timestamp()`,
      // A chained subtask works on its parent's branch (see workflow/branch-task.ts).
      gitBranch: taskBranchName((await branchTaskOf(tx, task)).number),
      runReason: options.runReason ?? (previous ? 'retry' : 'start'),
      options: options.network ? { network: options.network } : {},
    })
    .returning()
  if (!row) throw new Error('insert returned no row')
  await tx
    .insert(executionSteps)
    .values(stepNames.map((name, seq) => ({ id: newId(), executionId: id, name, seq, status: 'pending' })))
  const moved = await moveTaskToColumn(tx, task.id, options.column ?? 'in_progress')
  const execution = toExecutionDto(row, await queuePosition(tx, row))
  await notifyWorkers(tx, 'queued')
  return {
    execution,
    events: [
      {
        type: 'execution.created',
        squadId: task.squadId,
        taskId: task.id,
        executionId: id,
        payload: execution,
      },
      ...moved,
    ],
  }
}
