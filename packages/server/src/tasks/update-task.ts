import type { Task, TaskStatus, UpdateTaskBody } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { tasks } from '../db/schema.ts'
import { appendEvents, type NewEvent } from '../events/append-event.ts'
import { closeGap, columnLength, openGap, planMove } from './board-position.ts'
import { checkTaskReferences } from './check-task-references.ts'
import type { TaskRow } from './find-owned-task.ts'
import { lockOwnedTask } from './lock-owned-task.ts'
import { toTaskDto } from './task-dto.ts'

type FieldChanges = Partial<Omit<typeof tasks.$inferInsert, 'id' | 'squadId' | 'status' | 'position'>>

/** The fields of `input` that differ from the task as stored (status and position are moves). */
function fieldChanges(current: TaskRow, input: UpdateTaskBody): FieldChanges {
  const wanted: FieldChanges = {
    title: input.title,
    description: input.description,
    priority: input.priority,
    labels: input.labels,
    repositoryId: input.repository_id,
    assigneeId: input.assignee_id,
    parentTaskId: input.parent_task_id,
    script: input.script,
  }
  const changes: FieldChanges = {}
  for (const [key, value] of Object.entries(wanted) as [keyof FieldChanges, unknown][]) {
    if (value === undefined) continue
    if (JSON.stringify(value) !== JSON.stringify(current[key])) Object.assign(changes, { [key]: value })
  }
  return changes
}

/**
 * Changes a task's fields and/or moves it on the board (see planMove for the move rules). A move
 * emits `task.moved` with where the task came from, so a client can replay the neighbours' shifts;
 * a field change emits `task.updated`; a request that changes both emits both. A request that
 * changes nothing writes nothing.
 */
export async function updateTask(options: {
  db: Db
  user: AuthUser
  taskId: string
  input: UpdateTaskBody
}): Promise<Task> {
  const { db, user, taskId, input } = options
  return db.transaction(async (tx) => {
    const current = await lockOwnedTask(tx, user, taskId)
    const from = { status: current.status as TaskStatus, position: current.position }
    await checkTaskReferences(tx, current.squadId, input, taskId)
    const changes = fieldChanges(current, input)
    const targetStatus = input.status ?? from.status
    const targetLength = await columnLength(tx, { squadId: current.squadId, status: targetStatus }, taskId)
    const move = planMove(from, input, targetLength)
    if (!move && Object.keys(changes).length === 0) return toTaskDto(current)

    if (move) {
      // Take the task out of its column, then make room at the target (self excluded from both).
      await closeGap(tx, current, from.position, taskId)
      await openGap(tx, { squadId: current.squadId, status: move.status }, move.position, taskId)
    }
    const [row] = await tx
      .update(tasks)
      .set({ ...changes, ...(move ?? {}), updatedAt: new Date() })
      .where(eq(tasks.id, taskId))
      .returning()
    if (!row) throw new Error('update returned no row')
    const task = toTaskDto(row)
    const batch: NewEvent[] = []
    const ids = { squadId: task.squad_id, taskId }
    if (Object.keys(changes).length > 0) batch.push({ type: 'task.updated', ...ids, payload: task })
    if (move)
      batch.push({
        type: 'task.moved',
        ...ids,
        payload: { task, from_status: from.status, from_position: from.position },
      })
    await appendEvents(tx, batch)
    return task
  })
}
