import { AppError } from '../../../domain/errors.ts'
import { type ExecutionContext, requireSandbox, resultString, type Step } from '../execution-context.ts'
import { gitOutput, pointOriginAtForge, sandboxGit } from '../sandbox-git.ts'

/**
 * Makes the workspace a clone at the base commit. A sandbox made from the cached checkout already
 * is one (this only checks it); a provider that cannot mount the cache (a remote sandbox) clones
 * here, with the credentials in that one command's environment. Either way `origin` ends up at the
 * forge's current URL (the cached checkout may have been made while the server listened elsewhere).
 */
export const clone: Step = async (ctx: ExecutionContext) => {
  const sandbox = requireSandbox(ctx)
  const base = resultString(ctx, 'provision', 'base_commit')
  if (!base) throw new Error('provision did not record the base commit')
  // A workspace made from the cached checkout (the usual case) costs one command: HEAD answers both
  // "is there a repository" and "where is it".
  const probe = await sandboxGit(ctx, ['rev-parse', '--verify', '--quiet', 'HEAD'], {
    allowFailure: true,
    quiet: true,
  })
  const hasRepo = probe.exitCode === 0 || (await sandbox.files.exists('.git'))
  if (!hasRepo) {
    const credentials = await ctx.forge.credentials(ctx.repo, { executionId: ctx.execution.id })
    await sandboxGit(ctx, ['clone', '--progress', '--no-checkout', '--', ctx.forge.cloneUrl(ctx.repo), '.'], {
      remote: { credentials, operation: 'clone' },
    })
    await sandboxGit(ctx, ['checkout', '--quiet', '-B', ctx.repo.defaultBranch, base])
  } else if (resultString(ctx, 'provision', 'origin_url') !== ctx.forge.cloneUrl(ctx.repo))
    await pointOriginAtForge(ctx) // the checkout was made while the server listened elsewhere
  const head =
    probe.exitCode === 0 && hasRepo ? probe.stdout.trim() : await gitOutput(ctx, ['rev-parse', 'HEAD'])
  if (head !== base)
    throw new AppError(
      'internal',
      `The workspace is at ${head.slice(0, 12)}, not at the base commit ${base.slice(0, 12)}`,
    )
  return { result: { workdir: sandbox.workdir, base_commit: base, cloned_in_sandbox: !hasRepo } }
}
