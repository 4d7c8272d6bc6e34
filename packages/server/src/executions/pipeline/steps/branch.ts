import { mirrorBranchHead } from '../../../git/workspace-cache.ts'
import { type ExecutionContext, resultString, type Step } from '../execution-context.ts'
import { sandboxGit } from '../sandbox-git.ts'
import { fetchSubmodulesAndLfs } from '../submodules-and-lfs.ts'

/**
 * Creates the task's branch from the base commit. When `task-{n}` already exists on the remote (an
 * earlier attempt pushed it, or review feedback is being addressed) the work continues on it, so
 * follow-ups land on the same branch and the same pull request. Its submodules and Git LFS files
 * are then fetched where the squad may reach them (submodules-and-lfs.ts).
 */
export const branch: Step = async (ctx: ExecutionContext) => {
  const name = ctx.execution.gitBranch
  const base = resultString(ctx, 'provision', 'base_commit')
  if (!name || !base) throw new Error('the execution has no branch name or base commit')
  const existing = await remoteBranchHead(ctx, name)
  await sandboxGit(ctx, ['switch', '--quiet', '-C', name, existing ?? base])
  // At the branch's start, so submodules sit at the commits it records, not the base's.
  const extras = await fetchSubmodulesAndLfs(ctx)
  // Both ids are full object names, and `switch -C` leaves HEAD at exactly the one it was given.
  const head = existing ?? base
  await ctx.store.gitProgress({
    operation: 'branch',
    phase: 'finished',
    percent: 100,
    message: existing
      ? `continuing ${name} at ${head.slice(0, 8)}`
      : `created ${name} from ${base.slice(0, 8)}`,
  })
  return {
    result: { branch: name, base_commit: base, start_commit: head, continued: Boolean(existing), ...extras },
  }
}

/**
 * The remote's head of `name`, or null, with `refs/remotes/origin/<name>` made to match. A workspace
 * made from the repository cache asks the cache's mirror, which provision fetched after this
 * execution was queued (nobody else pushes a task's branch while its execution runs), and borrows the
 * mirror's objects, so it needs neither a round trip to the forge nor a fetch. A workspace cloned in
 * the sandbox (a remote provider) asks the remote itself: its refs are the clone's.
 */
async function remoteBranchHead(ctx: ExecutionContext, name: string): Promise<string | null> {
  const mirrorDir = resultString(ctx, 'provision', 'mirror_dir')
  if (mirrorDir && ctx.results.clone?.cloned_in_sandbox === false) {
    const head = await mirrorBranchHead(mirrorDir, name)
    if (head) await sandboxGit(ctx, ['update-ref', `refs/remotes/origin/${name}`, head])
    return head
  }
  const credentials = await ctx.forge.credentials(ctx.repo, { executionId: ctx.execution.id })
  const remote = { credentials, operation: 'branch' } as const
  const listed = await sandboxGit(ctx, ['ls-remote', '--heads', 'origin', `refs/heads/${name}`], {
    remote,
    quiet: true,
  })
  const head = listed.stdout.trim().split(/\s+/)[0] || null
  if (head)
    await sandboxGit(ctx, ['fetch', '--quiet', 'origin', `+refs/heads/${name}:refs/remotes/origin/${name}`], {
      remote,
    })
  return head
}
