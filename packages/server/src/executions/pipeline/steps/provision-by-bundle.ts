import { secretsOf } from '../../../git/credentials.ts'
import { prepareMirror } from '../../../git/workspace-cache.ts'
import { seedWorkspaceFromBundle } from '../bundle-transfer.ts'
import { cacheFailure, cacheProgress, cacheRetry } from '../cache-retry.ts'
import type { ExecutionContext, StepOutcome } from '../execution-context.ts'
import { recordSandbox } from '../record-sandbox.ts'

/**
 * Provisioning on a provider that cannot start a workspace from a host folder (a remote VM): the
 * server updates its mirror with the credentials, creates the sandbox meanwhile (nothing of the
 * repository is needed to start it), then hands the base commit in as a git bundle through the
 * files API. The sandbox never gets a credential or a URL it could fetch with.
 */
export async function provisionByBundle(ctx: ExecutionContext): Promise<StepOutcome> {
  const { deps, repo, forge, store } = ctx
  const credentials = await forge.credentials(repo, { executionId: ctx.execution.id })
  for (const secret of secretsOf(credentials)) ctx.redactor.add(secret)
  await store.gitProgress({
    operation: 'clone',
    phase: 'started',
    percent: 0,
    message: 'updating repository cache',
  })
  const started = performance.now()
  // Created while the mirror is fetched: a remote VM takes its own time to boot.
  const creating = deps.sandboxes.create({
    metadata: { execution_id: ctx.execution.id, task_id: ctx.task.id, squad_id: ctx.task.squadId },
    network: ctx.network,
    timeoutMs: deps.limits.sandboxTimeoutMs,
  })
  void creating.then(() => deps.metrics?.sandboxes.created()).catch(() => {})
  const mirror = await prepareMirror({
    cacheRoot: deps.cacheRoot,
    repoId: repo.id,
    cloneUrl: forge.cloneUrl(repo),
    baseBranch: repo.defaultBranch,
    credentials,
    onProgress: cacheProgress(ctx),
    retry: cacheRetry(ctx),
  }).catch(async (error) => {
    await (await creating.catch(() => null))?.kill().catch(() => {})
    throw await cacheFailure(ctx, error)
  })
  const sandbox = await creating
  ctx.sandbox = sandbox
  // Recorded before the workspace is filled, so a failure from here on still has its sandbox removed.
  const rowId = await recordSandbox(ctx, sandbox, mirror.baseCommit)
  const ready = performance.now()
  const bundleBytes = await seedWorkspaceFromBundle(ctx, mirror)
  const seedMs = Math.round(performance.now() - ready)
  ctx.log.write(
    'system',
    `Workspace handed in as a git bundle (${bundleBytes} bytes, ${seedMs} ms); no credential entered the sandbox\n`,
  )
  await store.gitProgress({ operation: 'clone', phase: 'finished', percent: 100, message: 'workspace ready' })
  return {
    result: {
      sandbox_row_id: rowId,
      sandbox_id: sandbox.sandboxId,
      provider: deps.sandboxes.name,
      base_commit: mirror.baseCommit,
      mirror_dir: mirror.mirrorDir,
      origin_url: forge.cloneUrl(repo),
      transfer: 'bundle',
      bundle_bytes: bundleBytes,
      seed_ms: seedMs,
      ready_ms: Math.round(performance.now() - started),
    },
  }
}
