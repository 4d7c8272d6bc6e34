import { AppError } from '../../domain/errors.ts'
import type { GitCredentials } from '../../forge/forge.ts'
import { createBundle, MAX_BRANCH_BUNDLE_BYTES } from '../../git/repo-bundle.ts'
import { shellCommand } from '../../git/shell-quote.ts'
import { mirrorBranchHead } from '../../git/workspace-cache.ts'
import { type ExecutionContext, requireSandbox, resultString } from './execution-context.ts'
import { gitOutput, sandboxGit } from './sandbox-git.ts'

/**
 * The sandbox side of a repository handed in and out as git bundles (see git/repo-bundle.ts for the
 * host side and why). Bundles sit in the workspace's `.git`, which the files API reaches on every
 * provider, and are removed as soon as git has read them.
 */
const IN = '.git/squad-in.bundle'
const OUT = '.git/squad-out.bundle'

/** Whether this run's workspace came in as a bundle (the provider cannot mount a host folder). */
export const usesBundles = (ctx: ExecutionContext) => ctx.results.provision?.transfer === 'bundle'

/**
 * The credentials a git command in the sandbox may carry: none when the repository came in as a
 * bundle (the whole point: a process the agent left running in a remote VM must never see one).
 */
export const sandboxCredentials = async (ctx: ExecutionContext): Promise<GitCredentials> =>
  usesBundles(ctx) ? null : ctx.forge.credentials(ctx.repo, { executionId: ctx.execution.id })

/** Writes a bundle into the workspace's `.git` and fetches `refspec` from it, then removes it. */
async function fetchBundle(ctx: ExecutionContext, bundle: Uint8Array, refspec: string) {
  const sandbox = requireSandbox(ctx)
  await sandbox.files.write(IN, bundle)
  try {
    await sandboxGit(ctx, ['fetch', '--quiet', '--no-tags', IN, refspec], { quiet: true })
  } finally {
    await sandbox.files.remove(IN).catch(() => {})
  }
}

/**
 * Makes the empty workspace a repository at `base` on the base branch: one bundle with the base
 * branch's history, and the task branch's when an earlier run pushed it (the branch step continues
 * it), fetched into `refs/remotes/origin/*` as a clone would have them. `origin` names the forge's
 * URL for the agent's information, and no credential goes with it. Returns the bundle's size.
 */
export async function seedWorkspaceFromBundle(
  ctx: ExecutionContext,
  source: { mirrorDir: string; baseCommit: string },
) {
  const baseBranch = ctx.repo.defaultBranch
  const refs: Record<string, string> = { [`refs/heads/${baseBranch}`]: source.baseCommit }
  const branch = ctx.execution.gitBranch
  const existing = branch ? await mirrorBranchHead(source.mirrorDir, branch) : null
  if (branch && existing && branch !== baseBranch) refs[`refs/heads/${branch}`] = existing
  const bundle = await createBundle({ mirrorDir: source.mirrorDir, refs })
  const format = source.baseCommit.length === 64 ? ['--object-format=sha256'] : []
  await sandboxGit(ctx, ['init', '--quiet', ...format, '-b', baseBranch, '.'], { quiet: true })
  await fetchBundle(ctx, bundle, '+refs/heads/*:refs/remotes/origin/*')
  await sandboxGit(ctx, ['checkout', '--quiet', '-B', baseBranch, source.baseCommit], { quiet: true })
  return bundle.byteLength
}

/**
 * Brings the base branch's new commits (`from`..`to`, both known to the mirror) into the workspace
 * as `refs/remotes/origin/<base>`, for a rebase before the push. `from` is a commit the workspace has.
 */
export async function sendBaseUpdate(ctx: ExecutionContext, mirrorDir: string, from: string, to: string) {
  const baseBranch = ctx.repo.defaultBranch
  const ref = `refs/remotes/origin/${baseBranch}`
  const has = await sandboxGit(ctx, ['cat-file', '-e', `${to}^{commit}`], { quiet: true, allowFailure: true })
  if (has.exitCode !== 0) {
    const bundle = await createBundle({
      mirrorDir,
      refs: { [`refs/heads/${baseBranch}`]: to },
      exclude: [from],
    })
    await fetchBundle(ctx, bundle, `+refs/heads/${baseBranch}:${ref}`)
  } else await sandboxGit(ctx, ['update-ref', ref, to], { quiet: true })
}

/**
 * Has the sandbox bundle its task branch (`HEAD`) minus the commits the server already holds
 * (`known`), and reads the bundle back. Its size is checked before it is read; the content is checked
 * by the host (receiveBranchBundle), which trusts nothing the sandbox says.
 */
export async function readBranchBundle(ctx: ExecutionContext, branch: string, known: string[]) {
  const sandbox = requireSandbox(ctx)
  await sandbox.files.remove(OUT).catch(() => {})
  await sandboxGit(
    ctx,
    ['bundle', 'create', '--quiet', OUT, `refs/heads/${branch}`, ...known.map((sha) => `^${sha}`)],
    { quiet: true },
  )
  try {
    const size = Number(
      (await sandbox.commands.run(`wc -c < ${shellCommand([OUT])}`, { timeoutMs: 30_000 })).stdout.trim(),
    )
    if (!Number.isFinite(size) || size > MAX_BRANCH_BUNDLE_BYTES)
      throw new AppError(
        'validation_failed',
        `The task branch's bundle is ${size} bytes, above the limit of ${MAX_BRANCH_BUNDLE_BYTES}: nothing was pushed.`,
      )
    return await sandbox.files.readBytes(OUT)
  } finally {
    await sandbox.files.remove(OUT).catch(() => {})
  }
}

/** The commit the workspace's HEAD is at. */
export const headOf = (ctx: ExecutionContext) => gitOutput(ctx, ['rev-parse', 'HEAD'])

/** The base commit the workspace started from. */
export const startBase = (ctx: ExecutionContext) => resultString(ctx, 'provision', 'base_commit')
