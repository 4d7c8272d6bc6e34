import { AppError } from '../../../domain/errors.ts'
import type { GitCredentials } from '../../../forge/forge.ts'
import { withGitCredentials } from '../../../git/credentials.ts'
import { receiveBranchBundle } from '../../../git/repo-bundle.ts'
import { runGit } from '../../../git/run-git.ts'
import { mirrorBranchHead, prepareMirror } from '../../../git/workspace-cache.ts'
import { headOf, readBranchBundle, sendBaseUpdate } from '../bundle-transfer.ts'
import { cacheRetry, explained } from '../cache-retry.ts'
import { type ExecutionContext, resultString, type StepOutcome } from '../execution-context.ts'
import { rebaseOnto } from './rebase-onto.ts'

/** A credentialed git command run by the server (never in the sandbox), retried when transient. */
const hostGit = (ctx: ExecutionContext, credentials: GitCredentials, args: string[], cwd?: string) =>
  cacheRetry(
    ctx,
    'push',
  )(() =>
    withGitCredentials(credentials, (env) =>
      runGit(['-c', 'core.hooksPath=/dev/null', ...args], { env, ...(cwd ? { cwd } : {}) }),
    ),
  ).catch((error) => {
    throw explained(ctx, error)
  })

/**
 * The push of a workspace that came in as a bundle: the server fetches the base branch into its
 * mirror and, if it moved, sends the new commits in for a rebase in the sandbox; the sandbox
 * bundles the task branch; the server checks that bundle in a quarantine repository (only the task
 * branch, descending from the base, git's object checks, bounded size) and pushes from there with
 * the credentials, which never enter the sandbox. The same rules as the in-sandbox push hold: never
 * force over commits this pipeline did not make, and an earlier push of the same commit is success.
 */
export async function pushByBundle(ctx: ExecutionContext): Promise<StepOutcome> {
  const branchName = ctx.execution.gitBranch
  const start = resultString(ctx, 'branch', 'start_commit')
  if (!branchName || !start) throw new Error('the execution has no branch or branch start')
  const credentials = await ctx.forge.credentials(ctx.repo, { executionId: ctx.execution.id })
  const url = ctx.forge.cloneUrl(ctx.repo)
  const mirror = await prepareMirror({
    cacheRoot: ctx.deps.cacheRoot,
    repoId: ctx.repo.id,
    cloneUrl: url,
    baseBranch: ctx.repo.defaultBranch,
    credentials,
    retry: cacheRetry(ctx, 'rebase'),
  }).catch((error) => {
    throw explained(ctx, error)
  })
  const startBase = resultString(ctx, 'provision', 'base_commit') ?? mirror.baseCommit
  if (mirror.baseCommit !== startBase)
    await sendBaseUpdate(ctx, mirror.mirrorDir, startBase, mirror.baseCommit)
  const { rebased, base } = await rebaseOnto(ctx, mirror.baseCommit)
  const head = await headOf(ctx)

  // The mirror was fetched a moment ago, and nobody else pushes a task's branch while it runs.
  const remoteSha = await mirrorBranchHead(mirror.mirrorDir, branchName)
  if (remoteSha === head)
    return { result: { pushed_sha: head, rebased, base, already_pushed: true, transfer: 'bundle' } }

  await ctx.store.gitProgress({
    operation: 'push',
    phase: 'started',
    percent: 0,
    message: `pushing ${branchName}`,
  })
  // The mirror holds both the base and the branch's start (the workspace was made from it).
  const bundle = await readBranchBundle(ctx, branchName, [...new Set([base, start])])
  const quarantine = await receiveBranchBundle({
    mirrorDir: mirror.mirrorDir,
    bundle,
    branch: branchName,
    base,
  })
  try {
    if (quarantine.head !== head)
      throw new AppError(
        'validation_failed',
        `The sandbox sent back ${quarantine.head.slice(0, 12)}, not its HEAD ${head.slice(0, 12)}: nothing was pushed.`,
      )
    const args = [
      'push',
      '--porcelain',
      '--no-verify',
      url,
      `refs/heads/${branchName}:refs/heads/${branchName}`,
    ]
    if (remoteSha) {
      const ours = await quarantine.git(['merge-base', '--is-ancestor', remoteSha, head], [0, 1, 128])
      // As in the in-sandbox push: we may replace only what this execution pushed or continued from.
      const replaceable = remoteSha === resultString(ctx, 'commit', 'sha') || remoteSha === start
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
    await hostGit(ctx, credentials, args, quarantine.dir)
  } finally {
    await quarantine.remove()
  }
  await ctx.store.gitProgress({
    operation: 'push',
    phase: 'finished',
    percent: 100,
    message: `pushed ${head.slice(0, 8)}`,
  })
  ctx.log.write(
    'system',
    `Task branch brought out as a git bundle (${bundle.byteLength} bytes) and pushed by the server\n`,
  )
  return {
    result: {
      pushed_sha: head,
      rebased,
      base,
      already_pushed: false,
      transfer: 'bundle',
      bundle_bytes: bundle.byteLength,
    },
  }
}
