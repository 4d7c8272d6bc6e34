import { sql } from 'drizzle-orm'
import type { Db } from '../../db/database.ts'
import type { SquadQueue } from '../../observability/execution-metrics.ts'

/**
 * Every squad's queue for /metrics: executions waiting, running (on any server, lease held), and
 * the age of the oldest waiting one. Squads with nothing queued are included as zeros, so an alert
 * on the queue reads a series rather than nothing. One statement per scrape; the status index
 * (status, queued_at) keeps the live rows cheap to find however long the history grows.
 */
export async function readQueues(db: Db): Promise<SquadQueue[]> {
  const result = (await db.execute(sql`
    select s.id as squad,
           count(e.id) filter (where e.status = 'queued')::int as queued,
           count(e.id) filter (where e.status = 'running')::int as running,
           coalesce(extract(epoch from clock_timestamp() - min(e.queued_at) filter (where e.status = 'queued')), 0)::float8 as oldest
      from squads s
      left join task_executions e on e.squad_id = s.id and e.status in ('queued', 'running')
     group by s.id`)) as unknown as {
    rows: { squad: string; queued: number; running: number; oldest: number }[]
  }
  return result.rows.map((row) => ({
    squad: row.squad,
    queued: Number(row.queued),
    running: Number(row.running),
    oldestQueuedSeconds: Math.max(0, Number(row.oldest)),
  }))
}
