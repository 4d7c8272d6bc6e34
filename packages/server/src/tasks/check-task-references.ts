import { and, eq, sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { repositories, squadMembers, tasks } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'

export type TaskReferences = {
  repository_id?: string | null | undefined
  assignee_id?: string | null | undefined
  parent_task_id?: string | null | undefined
}

/** Same message and `details.issues` shape as a zod failure, so clients show it next to the field. */
const invalid = (field: keyof TaskReferences, message: string) =>
  new AppError('validation_failed', `Invalid request body: ${field}: ${message}`, {
    details: { issues: [{ path: field, message, code: 'invalid_reference' }] },
  })

/**
 * Checks that every reference set on a task names a row of the same squad; a row of another squad
 * is treated as absent so ids cannot be probed. Referenced rows are locked `for key share` so a
 * concurrent delete cannot remove them between this check and the write (which would fail the
 * foreign key with a 500). `taskId` is the task being changed, to refuse parent cycles.
 */
export async function checkTaskReferences(
  tx: Executor,
  squadId: string,
  refs: TaskReferences,
  taskId?: string,
): Promise<void> {
  if (refs.repository_id) {
    const [row] = await tx
      .select({ id: repositories.id })
      .from(repositories)
      .where(and(eq(repositories.id, refs.repository_id), eq(repositories.squadId, squadId)))
      .for('key share')
    if (!row) throw invalid('repository_id', `repository ${refs.repository_id} is not in this squad`)
  }
  if (refs.assignee_id) {
    const [row] = await tx
      .select({ id: squadMembers.id })
      .from(squadMembers)
      .where(and(eq(squadMembers.id, refs.assignee_id), eq(squadMembers.squadId, squadId)))
      .for('key share')
    if (!row) throw invalid('assignee_id', `agent ${refs.assignee_id} is not in this squad`)
  }
  if (refs.parent_task_id) {
    const parentId = refs.parent_task_id
    if (parentId === taskId) throw invalid('parent_task_id', 'a task cannot be its own parent')
    const [row] = await tx
      .select({ id: tasks.id })
      .from(tasks)
      .where(and(eq(tasks.id, parentId), eq(tasks.squadId, squadId)))
    if (!row) throw invalid('parent_task_id', `task ${parentId} is not in this squad`)
    if (taskId && (await isAncestor(tx, taskId, parentId)))
      throw invalid('parent_task_id', `task ${parentId} is a subtask of this task (that would be a cycle)`)
  }
}

/** True when `ancestorId` is on the parent chain above `taskId` (one recursive query). */
async function isAncestor(tx: Executor, ancestorId: string, taskId: string): Promise<boolean> {
  // `union` (not `union all`) stops the walk should the data ever hold a cycle already.
  const result = await tx.execute(sql`
    with recursive chain(id, parent_task_id) as (
      select id, parent_task_id from ${tasks} where id = ${taskId}
      union
      select t.id, t.parent_task_id from ${tasks} t join chain c on t.id = c.parent_task_id
    )
    select 1 as found from chain where id = ${ancestorId} limit 1`)
  // node-postgres and PGlite both answer raw queries with `{ rows }`.
  return (result as unknown as { rows: unknown[] }).rows.length > 0
}
