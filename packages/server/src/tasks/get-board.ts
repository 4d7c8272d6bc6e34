import { type Board, type Task, type TaskStatus, taskStatuses } from '@agent-squad/contract'
import { and, asc, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { squads, tasks } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'
import { toTaskDto } from './task-dto.ts'

/**
 * The whole board in one query: the squad left-joined to its tasks, so an owned squad with no tasks
 * still answers one row (an empty board) and a missing or foreign squad answers none (404).
 */
export async function getBoard(options: { db: Executor; user: AuthUser; squadId: string }): Promise<Board> {
  const { db, user, squadId } = options
  const rows = await db
    .select({ squadId: squads.id, task: tasks })
    .from(squads)
    .leftJoin(tasks, eq(tasks.squadId, squads.id))
    .where(and(eq(squads.id, squadId), eq(squads.userId, user.id)))
    .orderBy(asc(tasks.position), asc(tasks.id))
  if (rows.length === 0) throw notFound('Squad', squadId)
  const byStatus = new Map<TaskStatus, Task[]>(taskStatuses.map((s) => [s, []]))
  for (const { task } of rows) if (task) byStatus.get(task.status as TaskStatus)?.push(toTaskDto(task))
  return { columns: taskStatuses.map((status) => ({ status, tasks: byStatus.get(status) ?? [] })) }
}
