import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { sandboxes } from '../../../db/schema.ts'
import { appendEvent } from '../../../events/append-event.ts'
import { endSandbox } from '../end-sandbox.ts'
import { type ExecutionContext, resultString, type StepResult } from '../execution-context.ts'
import { gitOutput, sandboxGit } from '../sandbox-git.ts'

export type Outcome = 'succeeded' | 'no_changes' | 'failed' | 'cancelled'

/** Saves work that never reached the remote (commits and uncommitted edits) as a patch file. */
async function saveUnpushedWork(ctx: ExecutionContext): Promise<string | null> {
  const start = resultString(ctx, 'branch', 'start_commit')
  if (!start) return null
  await sandboxGit(ctx, ['add', '--all'], { quiet: true, allowFailure: true })
  const committed = await gitOutput(ctx, ['format-patch', '--stdout', `${start}..HEAD`]).catch(() => '')
  const uncommitted = await gitOutput(ctx, ['diff', '--cached', '--binary', 'HEAD']).catch(() => '')
  const pushed = typeof ctx.results.push?.pushed_sha === 'string' ? ctx.results.push.pushed_sha : null
  const head = await gitOutput(ctx, ['rev-parse', 'HEAD']).catch(() => null)
  if (!uncommitted && (!committed || head === pushed)) return null
  await mkdir(ctx.deps.patchesDir, { recursive: true })
  const file = join(ctx.deps.patchesDir, `${ctx.execution.id}.patch`)
  const text = [committed, uncommitted && `# Uncommitted changes\n${uncommitted}`].filter(Boolean).join('\n')
  await writeFile(file, ctx.redactor.redact(text), { mode: 0o600 })
  ctx.log.write(
    'system',
    `Unpushed work saved as a patch (${text.length} bytes) before the sandbox is removed.\n`,
  )
  return file
}

/**
 * Always runs last. A successful run's sandbox is destroyed; a failed one is kept for debugging
 * until `keepFailedSandboxMs` has passed (the reaper then removes it), and nothing that was never
 * pushed is deleted without first being saved as a patch.
 */
export async function cleanup(ctx: ExecutionContext, outcome: Outcome): Promise<StepResult> {
  const result: StepResult = { outcome }
  const sandboxId = resultString(ctx, 'provision', 'sandbox_id')
  const rowId = resultString(ctx, 'provision', 'sandbox_row_id')
  if (!ctx.sandbox && sandboxId) ctx.sandbox = await ctx.deps.sandboxes.connect(sandboxId).catch(() => null)
  if (ctx.sandbox) {
    if (outcome === 'failed' || outcome === 'cancelled')
      result.patch = await saveUnpushedWork(ctx).catch(() => null)
    const keepMs = outcome === 'failed' ? ctx.deps.limits.keepFailedSandboxMs : 0
    if (keepMs > 0) {
      await ctx.sandbox.setTimeout(keepMs)
      result.kept_until = new Date(Date.now() + keepMs).toISOString()
      if (rowId)
        await ctx.deps.db
          .update(sandboxes)
          .set({ keepUntil: new Date(Date.now() + keepMs) })
          .where(eq(sandboxes.id, rowId))
    } else {
      await ctx.sandbox.kill()
      result.destroyed = true
      if (rowId)
        await ctx.deps.db.transaction(async (tx) => {
          await endSandbox(tx, rowId, new Date())
          await appendEvent(tx, {
            type: 'sandbox.updated',
            ...ctx.store.scope,
            payload: { id: rowId, provider: ctx.deps.sandboxes.name, status: 'TERMINATED', message: null },
          })
        })
    }
  }
  await ctx.forge.releaseCredentials?.({ executionId: ctx.execution.id })
  return result
}
