import { sql } from 'drizzle-orm'
import type { Executor } from '../../db/database.ts'

/** NOTIFY channel that wakes workers: payload `queued` or `cancel:<execution id>`. */
export const JOBS_CHANNEL = 'squad_jobs'

export const notifyWorkers = (tx: Executor, payload: string) =>
  tx.execute(sql`select pg_notify(${JOBS_CHANNEL}, ${payload})`)
