import type { GitCredentials } from '../../forge/forge.ts'
import { shellCommand } from '../../git/shell-quote.ts'
import { type ExecutionContext, requireSandbox } from './execution-context.ts'
import { sandboxGit } from './sandbox-git.ts'

/**
 * Every git command that carries credentials runs in a fresh, empty bare repository that the pipeline
 * makes right before it, never in the agent's workspace: the agent can plant hooks, config, URL
 * rewrites or proxies there, and a credentialed command must not read any of it. Objects move
 * between this transfer repository and the workspace with plain local fetches, which carry nothing
 * secret. No agent process is alive at this point (each sandbox command ends with its processes).
 */
export async function openTransferRepo(ctx: ExecutionContext) {
  const sandbox = requireSandbox(ctx)
  const home =
    (await sandbox.commands.run('printf %s "$HOME"', { timeoutMs: 10_000 })).stdout.trim() || '/tmp'
  const path = `${home}/.squad-transfer.git`
  await sandbox.commands.run(`rm -rf ${shellCommand([path])} && mkdir -p ${shellCommand([path])}`, {
    timeoutMs: 30_000,
  })
  await sandboxGit(ctx, ['init', '--quiet', '--bare', path], { quiet: true, cwd: home })
  // Borrow the workspace's objects and learn its refs, so fetches from the forge negotiate and move
  // only what is new instead of the whole history.
  await sandbox.commands.run(
    `${shellCommand(['printf', '%s\\n', `${sandbox.workdir}/.git/objects`])} > ${shellCommand([`${path}/objects/info/alternates`])}`,
    { timeoutMs: 10_000 },
  )
  await sandboxGit(
    ctx,
    [
      'fetch',
      '--quiet',
      '--no-tags',
      sandbox.workdir,
      '+refs/remotes/origin/*:refs/seed/origin/*',
      '+HEAD:refs/seed/head',
    ],
    { quiet: true, cwd: path },
  )
  const url = ctx.forge.cloneUrl(ctx.repo)
  return {
    path,
    url,
    /** A credentialed command (fetch, ls-remote, push) against the forge, run in the transfer repo. */
    remote: (args: string[], credentials: GitCredentials, operation: 'rebase' | 'push', quiet = false) =>
      sandboxGit(ctx, args, { cwd: path, remote: { credentials, operation }, quiet }),
    /** Copies `ref` of the transfer repo into the workspace as `into` (local, no credentials). */
    toWorkspace: (ref: string, into: string) =>
      sandboxGit(ctx, ['fetch', '--quiet', '--no-tags', path, `+${ref}:${into}`], { quiet: true }),
    /** Copies the workspace's `ref` into the transfer repo (local, no credentials). */
    fromWorkspace: (ref: string, into: string) =>
      sandboxGit(ctx, ['fetch', '--quiet', '--no-tags', sandbox.workdir, `+${ref}:${into}`], {
        quiet: true,
        cwd: path,
      }),
  }
}
