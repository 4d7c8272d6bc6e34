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
  const remote = await sandboxGit(
    ctx,
    ['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${name}^{commit}`],
    {
      allowFailure: true,
      quiet: true,
    },
  )
  const existing = remote.exitCode === 0 ? remote.stdout.trim() : null
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
