import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { sandboxes } from '../../../db/schema.ts'
import { newId } from '../../../domain/ids.ts'
import { classifyGitError } from '../../../git/classify-git-error.ts'
import { secretsOf } from '../../../git/credentials.ts'
import { withRetry } from '../../../git/retry.ts'
import { GitCommandError, parseGitProgress } from '../../../git/run-git.ts'
import {
  cachedWorkspaceSource,
  prepareWorkspaceSource,
  type WorkspaceSource,
} from '../../../git/workspace-cache.ts'
import { NETWORK_OFF } from '../../../sandbox/network-policy.ts'
import type { ExecutionContext, Step } from '../execution-context.ts'
import { explainGitFailure, GitFailureError } from '../sandbox-git.ts'

/** The failure class of a host git command (the cache's clone or fetch), from everything it printed. */
const failureOf = (error: unknown) =>
  classifyGitError(
    error instanceof GitCommandError
      ? `${error.result.stderr}\n${error.result.stdout}`
      : String((error as Error)?.message ?? error),
  )

/** A failed cache fetch, explained like a failed git command in the sandbox. */
const explained = (ctx: ExecutionContext, error: unknown) =>
  error instanceof GitCommandError
    ? explainGitFailure(`git ${error.args[0]}`, error.result, ctx.redactor, error)
    : error

/** Retries transient failures of the cache's git commands, saying so in the log and the event stream. */
const cacheRetry =
  (ctx: ExecutionContext) =>
  <T>(fn: () => Promise<T>): Promise<T> =>
    withRetry(fn, {
      attempts: ctx.deps.limits.gitAttempts,
      baseDelayMs: ctx.deps.limits.gitBaseDelayMs,
      signal: ctx.signal,
      shouldRetry: (error) => failureOf(error).kind === 'transient',
      onRetry: ({ attempt, delayMs, error }) => {
        const reason = failureOf(error).reason
        const command = error instanceof GitCommandError ? `git ${error.args[0]}` : 'git'
        ctx.log.write('system', `${command}: ${reason}; retrying in ${delayMs} ms (attempt ${attempt + 1})\n`)
        void ctx.store
          .gitProgress({
            operation: 'clone',
            phase: 'retrying',
            percent: null,
            message: `${reason}; retry ${attempt + 1}`,
          })
          .catch(() => {})
      },
    })

/**
 * Brings the repository cache up to date (one fetch into the mirror; a checkout of the base commit
 * made once and shared) and creates the sandbox over it. The sandbox's workspace starts as a
 * copy-on-write layer on that checkout, which is why a warm start takes milliseconds.
 */
export const provision: Step = async (ctx) => {
  const { deps, repo, forge, store } = ctx
  const agentsDir = deps.toolchainDir ? join(deps.toolchainDir, 'agents') : null
  const toolchain = agentsDir && existsSync(agentsDir) ? [agentsDir] : []
  const credentials = await forge.credentials(repo, { executionId: ctx.execution.id })
  for (const secret of secretsOf(credentials)) ctx.redactor.add(secret)
  await store.gitProgress({
    operation: 'clone',
    phase: 'started',
    percent: 0,
    message: 'updating repository cache',
  })
  let last = 0
  const createSandbox = (from: WorkspaceSource) =>
    deps.sandboxes.create({
      metadata: { execution_id: ctx.execution.id, task_id: ctx.task.id, squad_id: ctx.task.squadId },
      network: ctx.network,
      timeoutMs: deps.limits.sandboxTimeoutMs,
      workspaceTemplate: from.templateDir,
      extraReadOnlyBinds: [from.mirrorDir, ...toolchain],
    })
  // Warm start: the sandbox is made over the checkout the cache already has while the fetch runs,
  // and replaced if the fetch moves the base branch (the base is always its head after the fetch).
  const early = cachedWorkspaceSource({
    cacheRoot: deps.cacheRoot,
    repoId: repo.id,
    baseBranch: repo.defaultBranch,
  })
    .then(async (cached) => (cached ? { cached, sandbox: await createSandbox(cached) } : null))
    .catch(() => null)
  const dropEarly = async () => {
    await (await early)?.sandbox.kill().catch(() => {})
  }
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
    retry: cacheRetry(ctx),
    // A new base checkout goes through the provider once before any task uses it: the change the
    // provider makes to a template on first use (the local provider's shared group) then lands before
    // the checkout's index is refreshed, not in front of every sandbox's first git command.
    adoptTemplate: async (checkout) => {
      const probe = await deps.sandboxes.create({
        metadata: { execution_id: ctx.execution.id, purpose: 'adopt-template' },
        network: NETWORK_OFF,
        timeoutMs: 5 * 60_000,
        workspaceTemplate: checkout,
      })
      await probe.kill()
    },
  }).catch(async (error) => {
    await dropEarly()
    const failure = explained(ctx, error)
    if (failure instanceof GitFailureError)
      await store.gitProgress({
        operation: 'clone',
        phase: 'failed',
        percent: null,
        message: failure.failure.reason,
      })
    throw failure
  })
  await store
    .gitProgress({
      operation: 'clone',
      phase: 'finished',
      percent: 100,
      message: 'repository cache ready',
    })
    .catch(async (error) => {
      await dropEarly()
      throw error
    })

  const made = await early
  if (made && made.cached.templateDir !== source.templateDir) await dropEarly()
  const sandbox = made?.cached.templateDir === source.templateDir ? made.sandbox : await createSandbox(source)
  ctx.sandbox = sandbox
  const rowId = newId()
  // The updated row comes back from the same statement: no second read of it.
  ctx.execution = await store.updateExecution(
    { sandboxId: rowId, baseCommit: source.baseCommit },
    async (tx) => {
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
    },
  )
  return {
    result: {
      sandbox_row_id: rowId,
      sandbox_id: sandbox.sandboxId,
      provider: deps.sandboxes.name,
      base_commit: source.baseCommit,
      mirror_dir: source.mirrorDir,
      template_dir: source.templateDir,
      origin_url: source.originUrl,
    },
  }
}
