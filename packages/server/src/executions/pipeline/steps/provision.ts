import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { secretsOf } from '../../../git/credentials.ts'
import {
  cachedWorkspaceSource,
  prepareWorkspaceSource,
  type WorkspaceSource,
} from '../../../git/workspace-cache.ts'
import { cacheFailure, cacheProgress, cacheRetry } from '../cache-retry.ts'
import type { Step } from '../execution-context.ts'
import { recordSandbox } from '../record-sandbox.ts'
import { provisionByBundle } from './provision-by-bundle.ts'

/**
 * Brings the repository cache up to date (one fetch into the mirror; a checkout of the base commit
 * made once and shared) and creates the sandbox over it. The sandbox's workspace starts as a
 * copy-on-write layer on that checkout, which is why a warm start takes milliseconds.
 */
export const provision: Step = async (ctx) => {
  const { deps, repo, forge, store } = ctx
  const seeding = deps.sandboxes.capabilities.seedFromHostFolder
  // A provider that cannot start a workspace from a host folder gets the repository as a bundle.
  if (!seeding) return provisionByBundle(ctx)
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
  const createSandbox = async (from: WorkspaceSource) => {
    const sandbox = await seeding.create({
      metadata: { execution_id: ctx.execution.id, task_id: ctx.task.id, squad_id: ctx.task.squadId },
      network: ctx.network,
      timeoutMs: deps.limits.sandboxTimeoutMs,
      workspaceTemplate: from.templateDir,
      extraReadOnlyBinds: [from.mirrorDir, ...toolchain],
    })
    deps.metrics?.sandboxes.created()
    return sandbox
  }
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
    onProgress: cacheProgress(ctx),
    retry: cacheRetry(ctx),
    // A new base checkout goes through the provider once before any task uses it: the change the
    // provider makes to a template on first use (the local provider's shared group) then lands before
    // the checkout's index is refreshed, not in front of every sandbox's first git command.
    adoptTemplate: seeding.adoptTemplate,
  }).catch(async (error) => {
    await dropEarly()
    throw await cacheFailure(ctx, error)
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
  const rowId = await recordSandbox(ctx, sandbox, source.baseCommit)
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
