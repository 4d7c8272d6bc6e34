import { eq, sql } from 'drizzle-orm'
import type { Db } from '../../db/database.ts'
import { taskExecutions } from '../../db/schema.ts'
import { appendEvent } from '../../events/append-event.ts'
import { toExecutionDto } from '../execution-dto.ts'
import type { ExecutionRow } from '../find-owned-execution.ts'

export const leaseUntil = (leaseMs: number) =>
  sql`clock_timestamp() + ${`${Math.ceil(leaseMs)} milliseconds`}::interval`

/**
 * Claims the oldest runnable execution for this worker, or null: a queued one, or a running one
 * whose worker's lease ran out (it crashed). A squad's `max_concurrency` holds across every worker
 * on the database; `FOR UPDATE SKIP LOCKED` lets several workers claim at once without waiting on
 * each other or taking the same row.
 */
export async function claimExecution(
  db: Db,
  options: { owner: string; leaseMs: number; defaultSquadConcurrency: number },
): Promise<ExecutionRow | null> {
  return db.transaction(async (tx) => {
    const picked = await tx.execute(sql`
      select e.id
        from task_executions e
        join squads s on s.id = e.squad_id
       where ((e.status = 'queued' and not e.cancel_requested)
              or (e.status = 'running' and e.lease_expires_at < clock_timestamp()))
         and (select count(*) from task_executions r
               where r.squad_id = e.squad_id and r.status = 'running'
                 and r.lease_expires_at >= clock_timestamp())
             < coalesce((s.config->>'max_concurrency')::int, ${options.defaultSquadConcurrency})
       order by e.queued_at, e.id
       for update of e skip locked
       limit 1`)
    const id = (picked as { rows: { id?: string }[] }).rows[0]?.id
    if (!id) return null
    const [row] = await tx
      .update(taskExecutions)
      .set({
        status: 'running',
        leaseOwner: options.owner,
        leaseExpiresAt: leaseUntil(options.leaseMs),
        startedAt: sql`coalesce(${taskExecutions.startedAt}, clock_timestamp())`,
        updatedAt: new Date(),
      })
      .where(eq(taskExecutions.id, id))
      .returning()
    if (!row) return null
    await appendEvent(tx, {
      type: 'execution.updated',
      squadId: row.squadId,
      taskId: row.taskId,
      executionId: row.id,
      payload: toExecutionDto(row),
    })
    return row
  })
}
