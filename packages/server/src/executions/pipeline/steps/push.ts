import { AppError } from '../../../domain/errors.ts'
import { usesBundles } from '../bundle-transfer.ts'
import { type ExecutionContext, resultString, type Step } from '../execution-context.ts'
import { gitOutput, sandboxGit } from '../sandbox-git.ts'
import { openTransferRepo } from '../transfer-repo.ts'
import { pushByBundle } from './push-by-bundle.ts'

type TransferRepo = Awaited<ReturnType<typeof openTransferRepo>>

import { rebaseOnto } from './rebase-onto.ts'

/** Brings the branch onto the base branch's current head; a conflict fails clearly instead of pushing. */
async function rebaseIfBaseMoved(
  ctx: ExecutionContext,
  transfer: TransferRepo,
  credentials: Awaited<ReturnType<typeof ctx.forge.credentials>>,
) {
  const baseBranch = ctx.repo.defaultBranch
  await transfer.remote(
    ['fetch', '--progress', '--no-tags', transfer.url, `+refs/heads/${baseBranch}:refs/heads/${baseBranch}`],
    credentials,
    'rebase',
  )
  await transfer.toWorkspace(`refs/heads/${baseBranch}`, `refs/remotes/origin/${baseBranch}`)
  return rebaseOnto(ctx, await gitOutput(ctx, ['rev-parse', `refs/remotes/origin/${baseBranch}`]))
}

/**
 * Pushes `task-{n}`. Never forces over commits that are not this pipeline's: an existing remote
 * branch must be an ancestor of ours, or exactly what this execution pushed or continued from
 * before a rebase (then `--force-with-lease` pins that exact commit, so nothing pushed since is
 * lost). Already pushed → nothing to do (crash-safe).
 */
export const push: Step = async (ctx) => {
  if (usesBundles(ctx)) return pushByBundle(ctx)
  const branchName = ctx.execution.gitBranch
  if (!branchName) throw new Error('execution has no branch')
  const credentials = await ctx.forge.credentials(ctx.repo, { executionId: ctx.execution.id })
  const transfer = await openTransferRepo(ctx)
  const { rebased, base } = await rebaseIfBaseMoved(ctx, transfer, credentials)
  const head = await gitOutput(ctx, ['rev-parse', 'HEAD'])

  const listed = await transfer.remote(
    ['ls-remote', '--heads', transfer.url, `refs/heads/${branchName}`],
    credentials,
    'push',
    true,
  )
  const remoteSha = listed.stdout.trim().split(/\s+/)[0] || null
  if (remoteSha === head) return { result: { pushed_sha: head, rebased, base, already_pushed: true } }

  const args = [
    'push',
    '--porcelain',
    '--progress',
    transfer.url,
    `refs/heads/${branchName}:refs/heads/${branchName}`,
  ]
  if (remoteSha) {
    await transfer.remote(
      ['fetch', '--no-tags', transfer.url, `+refs/heads/${branchName}:refs/remote-branch/${branchName}`],
      credentials,
      'push',
      true,
    )
    await transfer.toWorkspace(`refs/remote-branch/${branchName}`, `refs/remotes/origin/${branchName}`)
    const ours = await sandboxGit(ctx, ['merge-base', '--is-ancestor', remoteSha, head], {
      allowFailure: true,
      quiet: true,
    })
    // The remote states we may replace, both rewritten only by our rebase onto the moved base: the
    // commit this execution made (pushed before a crash), and the branch as this execution found
    // and continued it (an earlier attempt's commits, carried onto the new base).
    const replaceable =
      remoteSha === resultString(ctx, 'commit', 'sha') ||
      remoteSha === resultString(ctx, 'branch', 'start_commit')
    if (ours.exitCode !== 0) {
      if (!replaceable)
        throw new AppError(
          'conflict',
          `The remote branch ${branchName} has commits this task did not make (${remoteSha.slice(0, 8)}). ` +
            'Nothing was overwritten: merge or delete that branch, then start the task again.',
        )
      args.splice(1, 0, `--force-with-lease=refs/heads/${branchName}:${remoteSha}`)
    }
  }
  await ctx.store.gitProgress({
    operation: 'push',
    phase: 'started',
    percent: 0,
    message: `pushing ${branchName}`,
  })
  await transfer.fromWorkspace('HEAD', `refs/heads/${branchName}`)
  await transfer.remote(args, credentials, 'push')
  await ctx.store.gitProgress({
    operation: 'push',
    phase: 'finished',
    percent: 100,
    message: `pushed ${head.slice(0, 8)}`,
  })
  return { result: { pushed_sha: head, rebased, base, already_pushed: false } }
}
