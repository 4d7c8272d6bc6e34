import { AppError } from '../../../domain/errors.ts'
import type { ExecutionContext } from '../execution-context.ts'
import { gitOutput, sandboxGit } from '../sandbox-git.ts'
import { agentIdentity, commitsIn } from './commit.ts'

/**
 * Rebases the workspace's branch onto `remoteBase` (the base branch's head on the forge, already in
 * the workspace) unless it already descends from it.
 */
export async function rebaseOnto(ctx: ExecutionContext, remoteBase: string) {
  const baseBranch = ctx.repo.defaultBranch
  const isAncestor = await sandboxGit(ctx, ['merge-base', '--is-ancestor', remoteBase, 'HEAD'], {
    allowFailure: true,
    quiet: true,
  })
  if (isAncestor.exitCode === 0) return { rebased: false, base: remoteBase }
  await ctx.store.gitProgress({
    operation: 'rebase',
    phase: 'started',
    percent: null,
    message: `${baseBranch} moved; rebasing`,
  })
  const rebase = await sandboxGit(ctx, ['rebase', '--quiet', remoteBase], {
    allowFailure: true,
    env: agentIdentity(ctx),
  })
  if (rebase.exitCode !== 0) {
    const conflicts = (
      await gitOutput(ctx, ['-c', 'core.quotePath=false', 'diff', '--name-only', '--diff-filter=U'])
    )
      .split('\n')
      .filter(Boolean)
    await sandboxGit(ctx, ['rebase', '--abort'], { allowFailure: true, quiet: true })
    await ctx.store.gitProgress({ operation: 'rebase', phase: 'failed', percent: null, message: 'conflict' })
    throw new AppError(
      'conflict',
      `${baseBranch} moved while the task ran, and its changes conflict with this task's in ${conflicts.join(', ') || 'some files'}. ` +
        'Nothing was pushed. Start the task again to redo it on the new base, or resolve the conflict by hand.',
      { details: { conflicts } },
    )
  }
  await ctx.store.updateExecution({ commitHistory: await commitsIn(ctx, `${remoteBase}..HEAD`) })
  await ctx.store.gitProgress({
    operation: 'rebase',
    phase: 'finished',
    percent: 100,
    message: `rebased onto ${remoteBase.slice(0, 8)}`,
  })
  return { rebased: true, base: remoteBase }
}
