import type { ExecutionOverlap } from '@agent-squad/contract'
import { and, desc, eq, inArray, ne, or, sql } from 'drizzle-orm'
import type { Db } from '../db/database.ts'
import { executionSteps, taskExecutions, tasks } from '../db/schema.ts'
import { appendEvents, type NewEvent } from '../events/append-event.ts'

/** Namespaces the per-repository advisory lock that serialises overlap checks. */
const OVERLAP_LOCK_SPACE = 7_343_101

/** The files an execution's branch changed, as its commit step recorded them. */
const branchFilesOf = (result: Record<string, unknown> | null): string[] =>
  Array.isArray(result?.branch_files)
    ? result.branch_files.filter((f): f is string => typeof f === 'string')
    : []

/**
 * Warns when this execution's branch and another unmerged one on the same repository changed the
 * same files: an `execution.overlap` event on both tasks, before anyone merges. Called right after
 * the commit step stored its file list. The checks of one repository take turns (an advisory
 * lock), so of two branches committing at once the second always sees the first: each pair is
 * reported once per commit.
 */
export async function detectOverlap(
  db: Db,
  mine: {
    executionId: string
    taskId: string
    taskNumber: number
    squadId: string
    repositoryId: string
    files: string[]
  },
): Promise<ExecutionOverlap[]> {
  if (!mine.files.length) return []
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${OVERLAP_LOCK_SPACE}, hashtext(${mine.repositoryId}))`)
    // Other tasks of the repository whose branch is still unmerged: a run in flight, or a finished
    // one whose task waits in progress or in review. The newest run of each task speaks for it.
    const rows = await tx
      .select({
        executionId: taskExecutions.id,
        taskId: taskExecutions.taskId,
        taskNumber: tasks.number,
        result: executionSteps.result,
      })
      .from(taskExecutions)
      .innerJoin(tasks, eq(tasks.id, taskExecutions.taskId))
      .innerJoin(
        executionSteps,
        and(
          eq(executionSteps.executionId, taskExecutions.id),
          eq(executionSteps.name, 'commit'),
          eq(executionSteps.status, 'succeeded'),
        ),
      )
      .where(
        and(
          eq(tasks.repositoryId, mine.repositoryId),
          ne(taskExecutions.taskId, mine.taskId),
          or(
            eq(taskExecutions.status, 'running'),
            and(eq(taskExecutions.status, 'succeeded'), inArray(tasks.status, ['in_progress', 'in_review'])),
          ),
        ),
      )
      .orderBy(desc(taskExecutions.queuedAt))
    const seen = new Set<string>()
    const overlaps: ExecutionOverlap[] = []
    const events: NewEvent[] = []
    const files = new Set(mine.files)
    for (const other of rows) {
      if (seen.has(other.taskId)) continue
      seen.add(other.taskId)
      const shared = branchFilesOf(other.result).filter((f) => files.has(f))
      if (!shared.length) continue
      const overlap: ExecutionOverlap = {
        repository_id: mine.repositoryId,
        execution_id: mine.executionId,
        task_id: mine.taskId,
        other_execution_id: other.executionId,
        other_task_id: other.taskId,
        other_task_number: other.taskNumber,
        files: shared,
      }
      overlaps.push(overlap)
      events.push(
        {
          type: 'execution.overlap',
          squadId: mine.squadId,
          taskId: mine.taskId,
          executionId: mine.executionId,
          payload: overlap,
        },
        {
          type: 'execution.overlap',
          squadId: mine.squadId,
          taskId: other.taskId,
          executionId: other.executionId,
          payload: {
            ...overlap,
            execution_id: other.executionId,
            task_id: other.taskId,
            other_execution_id: mine.executionId,
            other_task_id: mine.taskId,
            other_task_number: mine.taskNumber,
          },
        },
      )
    }
    await appendEvents(tx, events)
    return overlaps
  })
}
