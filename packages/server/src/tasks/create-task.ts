import type { CreateTaskBody, Task } from '@agent-squad/contract'
import { and, eq, sql } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { squads, tasks } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'
import { newId } from '../domain/ids.ts'
import { appendEvent } from '../events/append-event.ts'
import { columnLength } from './board-position.ts'
import { checkTaskReferences } from './check-task-references.ts'
import { toTaskDto } from './task-dto.ts'

/** Creates a task at the end of its column, with the squad's next task number. */
export async function createTask(options: {
  db: Db
  user: AuthUser
  squadId: string
  input: CreateTaskBody
}): Promise<Task> {
  const { db, user, squadId, input } = options
  return db.transaction(async (tx) => {
    // One statement checks ownership, hands out the number and takes the squad's row lock, which
    // serialises this insert with every other board change of the squad (numbers and positions).
    const [counter] = await tx
      .update(squads)
      .set({ taskCounter: sql`${squads.taskCounter} + 1` })
      .where(and(eq(squads.id, squadId), eq(squads.userId, user.id)))
      .returning({ number: squads.taskCounter })
    if (!counter) throw notFound('Squad', squadId)
    await checkTaskReferences(tx, squadId, input)
    const position = await columnLength(tx, { squadId, status: input.status })
    const [row] = await tx
      .insert(tasks)
      .values({
        id: newId(),
        squadId,
        number: counter.number,
        title: input.title,
        description: input.description,
        status: input.status,
        position,
        priority: input.priority,
        labels: input.labels,
        repositoryId: input.repository_id,
        assigneeId: input.assignee_id,
        parentTaskId: input.parent_task_id,
        script: input.script,
      })
      .returning()
    if (!row) throw new Error('insert returned no row')
    const task = toTaskDto(row)
    await appendEvent(tx, { type: 'task.created', squadId, taskId: task.id, payload: task })
    return task
  })
}
