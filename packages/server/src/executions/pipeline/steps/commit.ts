import type { Commit } from '@agent-squad/contract'
import { commitHeaderFor, formatCommitMessage } from '../../../git/conventional-commit.ts'
import { type ExecutionContext, resultString, type Step } from '../execution-context.ts'
import { gitOutput, sandboxGit } from '../sandbox-git.ts'

/** The agent's git identity: its name, and an address that says which squad member made the commit. */
export function agentIdentity(ctx: ExecutionContext): Record<string, string> {
  const name = ctx.agent?.name ?? 'Agent Squad script'
  const slug =
    (ctx.agent?.name ?? 'script')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'agent'
  const email = `${slug}+${(ctx.agent?.id ?? 'script').slice(0, 8)}@agents.agent-squad.invalid`
  return {
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
  }
}

/** `git log` of `range` as commit-history entries. */
export async function commitsIn(ctx: ExecutionContext, range: string): Promise<Commit[]> {
  const out = await gitOutput(ctx, ['log', '--reverse', '--format=%H%x1f%an%x1f%cI%x1f%B%x1e', range])
  return out
    .split('\x1e')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [sha = '', author = '', date = '', message = ''] = entry.split('\x1f')
      return { sha, author, committed_at: date, message: message.trim() }
    })
}

/**
 * Commits everything the agent changed as one Conventional Commit (its header from the task's
 * title, the agent and the labels: see commitHeaderFor; `Refs: task-{n}` footer). Nothing changed → the run ends as `no_changes`, with no PR.
 * Re-running after a crash finds the commit it already made instead of making another.
 */
export const commit: Step = async (ctx) => {
  const start = resultString(ctx, 'branch', 'start_commit')
  const base = resultString(ctx, 'provision', 'base_commit')
  if (!start || !base) throw new Error('branch step results are missing')
  await sandboxGit(ctx, ['add', '--all'], { quiet: true })
  const staged = await gitOutput(ctx, ['diff', '--cached', '--name-status'])
  const head = await gitOutput(ctx, ['rev-parse', 'HEAD'])
  if (!staged) {
    if (head === start)
      return {
        result: { no_changes: true, files: [], awaiting_review: await awaitingReview(ctx) },
        stop: 'no_changes',
      }
    // A previous life of this step already committed: keep that commit.
    const history = await commitsIn(ctx, `${base}..HEAD`)
    await ctx.store.updateExecution({ commitHistory: history })
    return { result: { sha: head, files: [], resumed: true, branch_files: await branchFiles(ctx, base) } }
  }
  const agentResult = ctx.results.agent ?? {}
  const header = commitHeaderFor({
    title: ctx.task.title,
    labels: ctx.task.labels,
    agentKind: ctx.agent && ctx.agent.llmProvider !== 'script' ? 'model' : 'script',
    agent: {
      type: agentResult.commit_type,
      scope: agentResult.commit_scope,
      subject: agentResult.commit_subject,
    },
  })
  const summary = typeof agentResult.summary === 'string' ? agentResult.summary : ''
  const message = formatCommitMessage({ ...header, body: summary, taskNumber: ctx.task.number })
  await ctx.store.gitProgress({
    operation: 'commit',
    phase: 'started',
    percent: null,
    message: message.split('\n')[0] ?? '',
  })
  await sandboxGit(ctx, ['commit', '--quiet', '--file=-'], { stdin: message, env: agentIdentity(ctx) })
  const sha = await gitOutput(ctx, ['rev-parse', 'HEAD'])
  const history = await commitsIn(ctx, `${base}..HEAD`)
  await ctx.store.updateExecution({ commitHistory: history })
  await ctx.store.gitProgress({
    operation: 'commit',
    phase: 'finished',
    percent: 100,
    message: `${sha.slice(0, 8)} ${message.split('\n')[0]}`,
  })
  const files = staged.split('\n').map((line) => {
    const [status = '', ...path] = line.split('\t')
    return { status, path: path.join(' → ') }
  })
  return { result: { sha, message, files, branch_files: await branchFiles(ctx, base) } }
}

/**
 * Whether the task's branch already waits for review: a pull request open for it (asked of the
 * forge), or, on a remote without a pull-request API, the branch pushed by an earlier run. A run
 * that changes nothing then leaves the task where its pull request has it, rather than calling it
 * done while the pull request stays open. When the forge cannot say, the pushed branch decides.
 */
async function awaitingReview(ctx: ExecutionContext): Promise<boolean> {
  const continued = ctx.results.branch?.continued === true
  const branch = ctx.execution.gitBranch
  if (!ctx.forge.capabilities.pullRequests || !branch) return continued
  try {
    return (await ctx.forge.findOpenPullRequest(ctx.repo, branch)) !== null
  } catch (error) {
    ctx.deps.logger.warn(
      { err: error, execution: ctx.execution.id },
      'looking up the open pull request failed',
    )
    return continued
  }
}

/** Every file the branch changed since it left the default branch (the overlap check compares them). */
async function branchFiles(ctx: ExecutionContext, base: string): Promise<string[]> {
  const out = await gitOutput(ctx, ['diff', '--name-only', `${base}...HEAD`])
  return out.split('\n').filter(Boolean)
}
