import { eq } from 'drizzle-orm'
import { sandboxes, taskExecutions } from '../../../db/schema.ts'
import { newId } from '../../../domain/ids.ts'
import { classifyGitError } from '../../../git/classify-git-error.ts'
import { secretsOf } from '../../../git/credentials.ts'
import { withRetry } from '../../../git/retry.ts'
import { parseGitProgress } from '../../../git/run-git.ts'
import { prepareWorkspaceSource } from '../../../git/workspace-cache.ts'
import type { Step } from '../execution-context.ts'

/**
 * Brings the repository cache up to date (one fetch into the mirror; a checkout of the base commit
 * made once and shared) and creates the sandbox over it. The sandbox's workspace starts as a
 * copy-on-write layer on that checkout, which is why a warm start takes milliseconds.
 */
export const provision: Step = async (ctx) => {
  const { deps, repo, forge, store } = ctx
  const credentials = await forge.credentials(repo, { executionId: ctx.execution.id })
  for (const secret of secretsOf(credentials)) ctx.redactor.add(secret)
  await store.gitProgress({
    operation: 'clone',
    phase: 'started',
    percent: 0,
    message: 'updating repository cache',
  })
  let last = 0
  const source = await prepareWorkspaceSource({
    cacheRoot: deps.cacheRoot,
    repoId: repo.id,
    cloneUrl: forge.cloneUrl(repo),
    baseBranch: repo.defaultBranch,
    credentials,
    ...(deps.workspaceOwner ? { owner: deps.workspaceOwner } : {}),
    onProgress: (text) => {
      ctx.log.write('stderr', text)
      const parsed = parseGitProgress(text)
      if (!parsed || Date.now() - last < 250) return
      last = Date.now()
      void store
        .gitProgress({
          operation: 'clone',
          phase: 'progress',
          percent: parsed.percent,
          message: parsed.stage,
        })
        .catch(() => {})
    },
    retry: (fn) =>
      withRetry(fn, {
        attempts: deps.limits.gitAttempts,
        baseDelayMs: deps.limits.gitBaseDelayMs,
        signal: ctx.signal,
        shouldRetry: (error) =>
          classifyGitError(String((error as Error)?.message ?? error)).kind === 'transient',
        onRetry: ({ delayMs }) => ctx.log.write('system', `fetch failed; retrying in ${delayMs} ms\n`),
      }),
  })
  await store.gitProgress({
    operation: 'clone',
    phase: 'finished',
    percent: 100,
    message: 'repository cache ready',
  })

  const sandbox = await deps.sandboxes.create({
    metadata: { execution_id: ctx.execution.id, task_id: ctx.task.id, squad_id: ctx.task.squadId },
    network: ctx.network,
    timeoutMs: deps.limits.sandboxTimeoutMs,
    workspaceTemplate: source.templateDir,
    extraReadOnlyBinds: [source.mirrorDir],
  })
  ctx.sandbox = sandbox
  const rowId = newId()
  await store.updateExecution({ sandboxId: rowId, baseCommit: source.baseCommit }, async (tx) => {
    await tx.insert(sandboxes).values({
      id: rowId,
      provider: deps.sandboxes.name,
      e2bId: sandbox.sandboxId,
      taskId: ctx.task.id,
      agentId: ctx.agent?.id ?? null,
      executionId: ctx.execution.id,
      repoUrl: forge.cloneUrl(repo),
      status: 'RUNNING',
      metadata: { execution_id: ctx.execution.id },
    })
    return [
      {
        type: 'sandbox.updated',
        ...store.scope,
        payload: { id: rowId, provider: deps.sandboxes.name, status: 'RUNNING', message: null },
      },
    ]
  })
  const [row] = await deps.db.select().from(taskExecutions).where(eq(taskExecutions.id, ctx.execution.id))
  if (row) ctx.execution = row
  return {
    result: {
      sandbox_row_id: rowId,
      sandbox_id: sandbox.sandboxId,
      provider: deps.sandboxes.name,
      base_commit: source.baseCommit,
      mirror_dir: source.mirrorDir,
      template_dir: source.templateDir,
    },
  }
}
