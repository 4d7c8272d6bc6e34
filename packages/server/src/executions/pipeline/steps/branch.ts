import { type ExecutionContext, resultString, type Step } from '../execution-context.ts'
import { gitOutput, sandboxGit } from '../sandbox-git.ts'

/**
 * Creates the task's branch from the base commit. When `task-{n}` already exists on the remote (an
 * earlier attempt pushed it, or review feedback is being addressed) the work continues on it, so
 * follow-ups land on the same branch and the same pull request.
 */
export const branch: Step = async (ctx: ExecutionContext) => {
  const name = ctx.execution.gitBranch
  const base = resultString(ctx, 'provision', 'base_commit')
  if (!name || !base) throw new Error('the execution has no branch name or base commit')
  // Asked of the remote itself: a workspace made from the shared base checkout has only the refs
  // the checkout was made with, which may predate the branch.
  const credentials = await ctx.forge.credentials(ctx.repo, { executionId: ctx.execution.id })
  const remote = { credentials, operation: 'branch' } as const
  const listed = await sandboxGit(ctx, ['ls-remote', '--heads', 'origin', `refs/heads/${name}`], {
    remote,
    quiet: true,
  })
  const existing = listed.stdout.trim().split(/\s+/)[0] || null
  if (existing)
    await sandboxGit(ctx, ['fetch', '--quiet', 'origin', `+refs/heads/${name}:refs/remotes/origin/${name}`], {
      remote,
    })
  await sandboxGit(ctx, ['switch', '--quiet', '-C', name, existing ?? base])
  const head = await gitOutput(ctx, ['rev-parse', 'HEAD'])
  await ctx.store.gitProgress({
    operation: 'branch',
    phase: 'finished',
    percent: 100,
    message: existing
      ? `continuing ${name} at ${head.slice(0, 8)}`
      : `created ${name} from ${base.slice(0, 8)}`,
  })
  return { result: { branch: name, base_commit: base, start_commit: head, continued: Boolean(existing) } }
}
