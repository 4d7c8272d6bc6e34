import { and, eq, inArray } from 'drizzle-orm'
import type { Logger } from 'pino'
import type { Db } from '../db/database.ts'
import { sandboxes, taskExecutions } from '../db/schema.ts'
import { appendEvent } from '../events/append-event.ts'
import type { SandboxProvider } from '../sandbox/sandbox-provider.ts'
import { endSandbox } from './pipeline/end-sandbox.ts'

const live = new Set(['queued', 'running'])

/**
 * Kills every sandbox that no live execution owns: sandboxes of finished executions once their
 * keep-for-debugging time has passed, and sandboxes whose execution no longer exists. Runs at start
 * and periodically. A sandbox of a queued or running execution is never touched (it may resume).
 */
export async function reapSandboxes(options: {
  db: Db
  provider: SandboxProvider
  logger: Logger
  now?: Date
  /** Told what each pass found: sandboxes left alive, killed, and those it failed to kill. */
  onPass?: (pass: { live: number; killed: number; failed: number }) => void
}) {
  const { db, provider, logger } = options
  const now = options.now ?? new Date()
  const found = await provider.list()
  const ids = found.map((s) => s.metadata.execution_id).filter((id): id is string => Boolean(id))
  const executions = ids.length
    ? await db.select().from(taskExecutions).where(inArray(taskExecutions.id, ids))
    : []
  const byId = new Map(executions.map((e) => [e.id, e]))
  const killed: string[] = []
  let failed = 0
  for (const info of found) {
    const executionId = info.metadata.execution_id
    const execution = executionId ? byId.get(executionId) : undefined
    if (execution && live.has(execution.status)) continue
    const [row] = await db
      .select()
      .from(sandboxes)
      .where(and(eq(sandboxes.providerSandboxId, info.sandboxId), eq(sandboxes.provider, provider.name)))
    if (execution && row?.keepUntil && row.keepUntil > now) continue
    try {
      const sandbox = await provider.connect(info.sandboxId)
      await sandbox.kill()
      killed.push(info.sandboxId)
    } catch (error) {
      logger.warn({ err: error, sandbox: info.sandboxId }, 'could not reap sandbox')
      failed++
      continue
    }
    if (row)
      await db.transaction(async (tx) => {
        await endSandbox(tx, row.id, now)
        if (execution)
          await appendEvent(tx, {
            type: 'sandbox.updated',
            squadId: execution.squadId,
            taskId: execution.taskId,
            executionId: execution.id,
            payload: { id: row.id, provider: provider.name, status: 'TERMINATED', message: 'reaped' },
          })
      })
  }
  options.onPass?.({ live: found.length - killed.length, killed: killed.length, failed })
  if (killed.length) logger.info({ killed }, 'reaped sandboxes no live execution owns')
  return { killed }
}
