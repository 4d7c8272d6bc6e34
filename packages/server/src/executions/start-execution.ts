import type { Execution, StartExecutionBody } from '@agent-squad/contract'
import { stepNames } from '@agent-squad/contract'
import { and, desc, eq, inArray, sql } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { executionSteps, squadMembers, taskExecutions } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import { newId } from '../domain/ids.ts'
import { appendEvents } from '../events/append-event.ts'
import { taskBranchName } from '../git/branch-name.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { findOwnedTask } from '../tasks/find-owned-task.ts'
import { moveTaskToColumn } from '../tasks/move-task-to-column.ts'
import { toExecutionDto } from './execution-dto.ts'
import { notifyWorkers } from './queue/jobs-channel.ts'
import { queuePosition } from './queue-position.ts'

/**
 * Queues a new attempt at a task: one execution with its eight pending steps, the task moved to
 * "in progress", and the workers woken. It never runs anything itself; beyond the concurrency limit
 * it simply waits, visibly, in the queue.
 */
export async function startExecution(options: {
  db: Db
  user: AuthUser
  taskId: string
  input: StartExecutionBody
  runReason?: string
}): Promise<Execution> {
  const { db, user, taskId, input } = options
  return db.transaction(async (tx) => {
    const task = await findOwnedTask(tx, user, taskId)
    // The squad lock also orders concurrent starts of the same task.
    await findOwnedSquad(tx, user, task.squadId, { lock: true })
    if (!task.repositoryId)
      throw new AppError(
        'validation_failed',
        'This task has no repository: set repository_id before starting it',
      )
    const agentId = input.agent_id ?? task.assigneeId
    if (agentId) {
      const [agent] = await tx
        .select()
        .from(squadMembers)
        .where(and(eq(squadMembers.id, agentId), eq(squadMembers.squadId, task.squadId)))
      if (!agent) throw new AppError('validation_failed', `agent_id: no agent ${agentId} in this squad`)
      if (!agent.isActive)
        throw new AppError('conflict', `Agent "${agent.name}" is inactive: activate it first`)
    } else if (!task.script?.trim()) {
      throw new AppError(
        'validation_failed',
        'This task has no assignee and no script: assign an agent or add a script',
      )
    }
    const active = await tx
      .select({ id: taskExecutions.id })
      .from(taskExecutions)
      .where(and(eq(taskExecutions.taskId, taskId), inArray(taskExecutions.status, ['queued', 'running'])))
    if (active[0])
      throw new AppError('conflict', 'This task already has an execution queued or running', {
        details: { execution_id: active[0].id },
      })
    const [previous] = await tx
      .select({ attempt: taskExecutions.attempt })
      .from(taskExecutions)
      .where(eq(taskExecutions.taskId, taskId))
      .orderBy(desc(taskExecutions.attempt))
      .limit(1)
    const id = newId()
    const [row] = await tx
      .insert(taskExecutions)
      .values({
        id,
        taskId,
        squadId: task.squadId,
        agentId: agentId ?? null,
        attempt: (previous?.attempt ?? 0) + 1,
        status: 'queued',
        // The time of joining the queue, under the squad's lock: now() would be the transaction's
        // start, so a start that waited for the lock could line up ahead of one that committed (and
        // may already run) before it, and a waiting execution's queue position could go up.
        queuedAt: sql`clock_timestamp()`,
        gitBranch: taskBranchName(task.number),
        runReason: options.runReason ?? (previous ? 'retry' : 'start'),
        options: input.network ? { network: input.network } : {},
      })
      .returning()
    if (!row) throw new Error('insert returned no row')
    await tx
      .insert(executionSteps)
      .values(stepNames.map((name, seq) => ({ id: newId(), executionId: id, name, seq, status: 'pending' })))
    const moved = await moveTaskToColumn(tx, taskId, 'in_progress')
    const execution = toExecutionDto(row, await queuePosition(tx, row))
    await appendEvents(tx, [
      { type: 'execution.created', squadId: task.squadId, taskId, executionId: id, payload: execution },
      ...moved,
    ])
    await notifyWorkers(tx, 'queued')
    return execution
  })
}
