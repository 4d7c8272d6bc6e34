import { eq } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { squads, tasks } from '../db/schema.ts'
import type { TaskRow } from '../tasks/find-owned-task.ts'
import { teamWorkflowOf } from './squad-workflow.ts'

/**
 * The task whose branch (and pull request) a task's runs work on: itself, or, for a subtask of a
 * squad that chains its subtasks, the parent, so the subtasks hand the work on along one branch
 * and the task ends in one pull request.
 */
export async function branchTaskOf(tx: Executor, task: TaskRow): Promise<TaskRow> {
  if (!task.parentTaskId) return task
  const [squad] = await tx.select({ config: squads.config }).from(squads).where(eq(squads.id, task.squadId))
  if (!squad || !teamWorkflowOf(squad.config).chain) return task
  const [parent] = await tx.select().from(tasks).where(eq(tasks.id, task.parentTaskId))
  return parent ?? task
}
