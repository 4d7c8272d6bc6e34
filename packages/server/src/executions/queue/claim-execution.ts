import { sql } from 'drizzle-orm'
import type { Db } from '../../db/database.ts'
import { taskExecutions } from '../../db/schema.ts'
import { appendEvents } from '../../events/append-event.ts'
import { toExecutionDto } from '../execution-dto.ts'
import type { ExecutionRow } from '../find-owned-execution.ts'

export const leaseUntil = (leaseMs: number) =>
  sql`clock_timestamp() + ${`${Math.ceil(leaseMs)} milliseconds`}::interval`

export type ClaimOptions = { owner: string; leaseMs: number; defaultSquadConcurrency: number }

/**
 * Claims up to `limit` runnable executions for this worker, oldest first, in one transaction (and one
 * statement): queued ones, and running ones whose worker's lease ran out (it crashed). A squad's
 * `max_concurrency` holds across every worker on the database, counting the executions this claim
 * takes; `FOR UPDATE SKIP LOCKED` lets several workers claim at once without waiting on each other
 * or taking the same row. Twenty tasks started at once cost one claim, not twenty in a row.
 *
 * Candidates are only rows of squads with room left, so the first candidate can always be taken and
 * a claim that returns nothing means nothing is runnable; a squad with more queued than room may
 * leave another squad's rows for the next claim (the worker claims again while it has room).
 */
export async function claimExecutions(
  db: Db,
  options: ClaimOptions & { limit: number },
): Promise<ExecutionRow[]> {
  const limit = Math.max(1, Math.floor(options.limit))
  const cap = sql`coalesce((s.config->>'max_concurrency')::int, ${options.defaultSquadConcurrency})`
  const busy = sql`(select count(*) from task_executions r
                     where r.squad_id = e.squad_id and r.status = 'running'
                       and r.lease_expires_at >= clock_timestamp())`
  const chosen = sql`
    with candidates as (
      select e.id, e.squad_id, e.queued_at, ${cap} - ${busy} as room
        from task_executions e
        join squads s on s.id = e.squad_id
       where ((e.status = 'queued' and not e.cancel_requested)
              or (e.status = 'running' and e.lease_expires_at < clock_timestamp()))
         and ${busy} < ${cap}
       order by e.queued_at, e.id
       for update of e skip locked
       limit ${limit + 32}
    )
    select id from (
      select id, queued_at, room,
             row_number() over (partition by squad_id order by queued_at, id) as place
        from candidates
    ) ranked
     where place <= room
     order by queued_at, id
     limit ${limit}`
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(taskExecutions)
      .set({
        status: 'running',
        leaseOwner: options.owner,
        leaseExpiresAt: leaseUntil(options.leaseMs),
        startedAt: sql`coalesce(${taskExecutions.startedAt}, clock_timestamp())`,
        updatedAt: new Date(),
      })
      .where(sql`${taskExecutions.id} in (${chosen})`)
      .returning()
    if (rows.length === 0) return []
    rows.sort((a, b) => a.queuedAt.getTime() - b.queuedAt.getTime() || (a.id < b.id ? -1 : 1))
    await appendEvents(
      tx,
      rows.map((row) => ({
        type: 'execution.updated' as const,
        squadId: row.squadId,
        taskId: row.taskId,
        executionId: row.id,
        payload: toExecutionDto(row),
      })),
    )
    return rows
  })
}

/** Claims the oldest runnable execution for this worker, or null (see claimExecutions). */
export async function claimExecution(db: Db, options: ClaimOptions): Promise<ExecutionRow | null> {
  return (await claimExecutions(db, { ...options, limit: 1 }))[0] ?? null
}
