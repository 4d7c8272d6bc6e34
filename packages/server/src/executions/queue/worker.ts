import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { and, eq, inArray, sql } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { Database } from '../../db/database.ts'
import { taskExecutions } from '../../db/schema.ts'
import type { ExecutionRow } from '../find-owned-execution.ts'
import { claimExecutions, leaseUntil } from './claim-execution.ts'
import { JOBS_CHANNEL } from './jobs-channel.ts'
import { logExecutionEnd, logExecutionStart } from './log-execution.ts'

/** Why a running execution was told to stop. Only `cancelled` ends it; the others leave it to resume. */
export type StopReason = 'cancelled' | 'shutdown' | 'lease_lost'

export type RunExecution = (row: ExecutionRow, signal: AbortSignal) => Promise<void>

export type WorkerOptions = {
  database: Database
  run: RunExecution
  logger: Logger
  /** Executions this process runs at once; more wait in the queue. */
  concurrency: number
  defaultSquadConcurrency: number
  leaseMs?: number
  pollMs?: number
}

export type Worker = {
  readonly owner: string
  running(): string[]
  /** Stops claiming and tells running executions to stop where they are (they resume later). */
  stop(): Promise<void>
}

/**
 * Runs queued executions, at most `concurrency` at a time, holding a lease on each that it renews;
 * a crashed worker's lease runs out and another worker (or this one after a restart) resumes the
 * execution from its last finished step. Woken by NOTIFY, with a slow poll as a safety net.
 */
export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const { database, logger } = options
  const db = database.db
  const leaseMs = options.leaseMs ?? 15_000
  const pollMs = options.pollMs ?? 1_000
  const owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>()
  let stopped = false
  let claiming: Promise<void> | null = null
  let again = false

  // PGlite is one process: whatever was running belonged to a previous life of this server.
  if (database.kind === 'pglite')
    await db
      .update(taskExecutions)
      .set({ leaseExpiresAt: sql`clock_timestamp() - interval '1 second'` })
      .where(eq(taskExecutions.status, 'running'))

  // One console line as each execution starts and as it ends; a failure to say so changes nothing.
  const quietly = (said: Promise<void>) =>
    said.catch((error) => logger.debug({ err: error }, 'could not log an execution'))

  const launch = (row: ExecutionRow) => {
    const controller = new AbortController()
    const launchedAt = Date.now()
    const announced = quietly(logExecutionStart(db, logger, row))
    const done = options
      .run(row, controller.signal)
      .catch((error) => logger.error({ err: error, execution: row.id }, 'execution crashed'))
      .then(() => announced)
      .then(() =>
        quietly(
          logExecutionEnd(db, logger, row, launchedAt, controller.signal.reason as StopReason | undefined),
        ),
      )
      .finally(() => {
        running.delete(row.id)
        tick()
      })
    running.set(row.id, { controller, done })
  }

  const claimLoop = async () => {
    while (!stopped && running.size < options.concurrency) {
      // Every free slot in one claim: a burst of starts is one transaction, not one per execution.
      const rows = await claimExecutions(db, {
        owner,
        leaseMs,
        defaultSquadConcurrency: options.defaultSquadConcurrency,
        limit: options.concurrency - running.size,
      })
      if (rows.length === 0) return
      for (const row of rows) if (!running.has(row.id)) launch(row)
    }
  }

  const tick = () => {
    if (stopped) return
    if (claiming) {
      again = true
      return
    }
    claiming = claimLoop()
      .catch((error) => logger.error({ err: error }, 'claiming executions failed'))
      .finally(() => {
        claiming = null
        if (again) {
          again = false
          tick()
        }
      })
  }

  const stopOne = (id: string, reason: StopReason) => running.get(id)?.controller.abort(reason)

  const renew = async () => {
    const ids = [...running.keys()]
    if (ids.length === 0) return
    const rows = await db
      .update(taskExecutions)
      .set({ leaseExpiresAt: leaseUntil(leaseMs) })
      .where(
        and(
          inArray(taskExecutions.id, ids),
          eq(taskExecutions.leaseOwner, owner),
          eq(taskExecutions.status, 'running'),
        ),
      )
      .returning({ id: taskExecutions.id, cancelRequested: taskExecutions.cancelRequested })
    const held = new Map(rows.map((r) => [r.id, r.cancelRequested]))
    for (const id of ids) {
      if (!held.has(id)) stopOne(id, 'lease_lost')
      else if (held.get(id)) stopOne(id, 'cancelled')
    }
  }

  const unlisten = await database.listen(JOBS_CHANNEL, (payload) => {
    if (payload.startsWith('cancel:')) stopOne(payload.slice('cancel:'.length), 'cancelled')
    else tick()
  })
  const poll = setInterval(tick, pollMs)
  const renewal = setInterval(
    () => void renew().catch((error) => logger.warn({ err: error }, 'lease renewal failed')),
    Math.max(200, Math.floor(leaseMs / 3)),
  )
  poll.unref()
  renewal.unref()
  tick()

  return {
    owner,
    running: () => [...running.keys()],
    async stop() {
      stopped = true
      clearInterval(poll)
      clearInterval(renewal)
      await unlisten()
      await claiming
      for (const id of running.keys()) stopOne(id, 'shutdown')
      await Promise.allSettled([...running.values()].map((r) => r.done))
    },
  }
}
