import { and, count, eq, ne } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { Db } from '../../db/database.ts'
import { executionSteps, taskExecutions, tasks } from '../../db/schema.ts'
import type { ExecutionRow } from '../find-owned-execution.ts'
import type { StopReason } from './worker.ts'

/** 12.3s, 4m05s: how long a run took, as the console shows it. */
export const formatDuration = (ms: number) => {
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)}s`
  const whole = Math.round(s)
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`
}

async function taskOf(db: Db, taskId: string) {
  const [task] = await db
    .select({ number: tasks.number, title: tasks.title })
    .from(tasks)
    .where(eq(tasks.id, taskId))
  return task ? { task: `#${task.number}`, title: task.title } : { task: taskId }
}

/** The console's line for an execution a worker takes up: which task, which attempt, why. */
export async function logExecutionStart(db: Db, logger: Logger, row: ExecutionRow): Promise<void> {
  const [done] = await db
    .select({ n: count() })
    .from(executionSteps)
    .where(and(eq(executionSteps.executionId, row.id), eq(executionSteps.status, 'succeeded')))
  logger.info(
    {
      ...(await taskOf(db, row.taskId)),
      attempt: row.attempt,
      reason: row.runReason,
      execution: row.id,
    },
    (done?.n ?? 0) > 0 ? 'execution resumed' : 'execution started',
  )
}

/**
 * The console's line for an execution a worker let go of: how it ended, how long it took, its pull
 * request or its error (a failure is logged as an error). One stopped by a shutdown or a lost lease
 * has not ended: it says so, and that it resumes.
 */
export async function logExecutionEnd(
  db: Db,
  logger: Logger,
  row: ExecutionRow,
  launchedAt: number,
  stopReason: StopReason | undefined,
): Promise<void> {
  const [now] = await db
    .select()
    .from(taskExecutions)
    .where(and(eq(taskExecutions.id, row.id), ne(taskExecutions.status, 'queued')))
  const task = await taskOf(db, row.taskId)
  if (!now || now.status === 'running') {
    logger.info(
      { ...task, reason: stopReason ?? 'stopped', execution: row.id },
      'execution paused: it resumes where it stopped',
    )
    return
  }
  const ms =
    now.startedAt && now.finishedAt
      ? now.finishedAt.getTime() - now.startedAt.getTime()
      : Date.now() - launchedAt
  const fields = {
    ...task,
    status: now.status,
    duration: formatDuration(ms),
    ...(now.pullRequestUrl ? { pr: now.pullRequestUrl } : {}),
    ...(now.error ? { error: now.error } : {}),
    execution: row.id,
  }
  if (now.status === 'failed') logger.error(fields, 'execution failed')
  else logger.info(fields, `execution ${now.status.replace('_', ' ')}`)
}
