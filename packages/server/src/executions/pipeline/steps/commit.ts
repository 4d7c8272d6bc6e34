import { type Commit, DEFAULT_MAX_CHANGE_SIZE_MB, DEFAULT_MAX_FILE_SIZE_MB } from '@agent-squad/contract'
import { AppError } from '../../../domain/errors.ts'
import { changeSizeProblem } from '../../../git/change-size.ts'
import {
  commitHeaderFor,
  formatCommitMessage,
  parseConventionalCommit,
} from '../../../git/conventional-commit.ts'
import { changedFiles, rewordAgentCommits } from '../agent-commits.ts'
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
 * title, the agent and the labels: see commitHeaderFor; `Refs: task-{n}` footer). Commits the agent
 * made itself are squashed into it, or with the squad's `agent_commits: keep` kept and reworded
 * where they are not Conventional (agent-commits.ts). A change over the squad's size limits fails
 * here, before anything is committed. Nothing changed → the run ends as `no_changes`, with no PR.
 * Running again after a crash redoes the same commit (squash) or finds it (keep).
 */
export const commit: Step = async (ctx) => {
  const start = resultString(ctx, 'branch', 'start_commit')
  const base = resultString(ctx, 'provision', 'base_commit')
  if (!start || !base) throw new Error('branch step results are missing')
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
  const keep = ctx.squadConfig.agent_commits === 'keep'
  await sandboxGit(ctx, ['add', '--all'], { quiet: true })
  // A commit with this run's footer is the step's own, from before a crash: not the agent's.
  const ours = (c: Commit) => {
    const parsed = parseConventionalCommit(c.message)
    return !('error' in parsed) && parsed.footers.Refs === `task-${ctx.task.number}`
  }
  const agentCommits = (await commitsIn(ctx, `${start}..HEAD`)).filter((c) => !ours(c))
  if (agentCommits.length > 0)
    ctx.log.write(
      'system',
      `The agent made ${agentCommits.length} commit${agentCommits.length === 1 ? '' : 's'} itself: ${keep ? 'kept (agent_commits: keep), reworded where not Conventional' : 'squashed into the run’s commit'}\n`,
    )
  if (keep) await rewordAgentCommits(ctx, start, header, agentIdentity(ctx))
  // Squashed: the branch goes back to where the run started, with all of its work in the index.
  else await sandboxGit(ctx, ['reset', '--quiet', '--soft', start], { quiet: true })
  await guardChangeSize(ctx, start)
  const staged = await gitOutput(ctx, ['-c', 'core.quotePath=false', 'diff', '--cached', '--name-status'])
  const head = await gitOutput(ctx, ['rev-parse', 'HEAD'])
  if (!staged && head === start)
    return {
      result: { no_changes: true, files: [], awaiting_review: await awaitingReview(ctx) },
      stop: 'no_changes',
    }
  const summary = typeof agentResult.summary === 'string' ? agentResult.summary : ''
  const squashed = keep ? [] : agentCommits.map((c) => `- ${c.message.split('\n')[0]}`)
  const body = squashed.length
    ? `${summary.trim()}\n\nSquashed from the agent's commits:\n${squashed.join('\n')}`.trim()
    : summary
  const message = formatCommitMessage({ ...header, body, taskNumber: ctx.task.number })
  if (staged) {
    await ctx.store.gitProgress({
      operation: 'commit',
      phase: 'started',
      percent: null,
      message: message.split('\n')[0] ?? '',
    })
    await sandboxGit(ctx, ['commit', '--quiet', '--file=-'], { stdin: message, env: agentIdentity(ctx) })
  }
  const sha = await gitOutput(ctx, ['rev-parse', 'HEAD'])
  const history = await commitsIn(ctx, `${base}..HEAD`)
  await ctx.store.updateExecution({ commitHistory: history })
  const last = history[history.length - 1]?.message.split('\n')[0] ?? ''
  await ctx.store.gitProgress({
    operation: 'commit',
    phase: 'finished',
    percent: 100,
    message: `${sha.slice(0, 8)} ${last}`,
  })
  const files = (
    await gitOutput(ctx, ['-c', 'core.quotePath=false', 'diff', '--name-status', `${start}..HEAD`])
  )
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [status = '', ...path] = line.split('\t')
      return { status, path: path.join(' → ') }
    })
  return {
    result: {
      sha,
      message: staged ? message : (history[history.length - 1]?.message ?? ''),
      files,
      branch_files: await branchFiles(ctx, base),
    },
  }
}

/** Fails the step, naming the files, when the run's change is over the squad's size limits. */
async function guardChangeSize(ctx: ExecutionContext, start: string) {
  const mb = 1024 * 1024
  const problem = changeSizeProblem(await changedFiles(ctx, start), {
    maxFileBytes: (ctx.squadConfig.max_file_size_mb ?? DEFAULT_MAX_FILE_SIZE_MB) * mb,
    maxChangeBytes: (ctx.squadConfig.max_change_size_mb ?? DEFAULT_MAX_CHANGE_SIZE_MB) * mb,
  })
  if (!problem) return
  await ctx.store.gitProgress({ operation: 'commit', phase: 'failed', percent: null, message: 'too large' })
  throw new AppError('validation_failed', problem)
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
  const out = await gitOutput(ctx, ['-c', 'core.quotePath=false', 'diff', '--name-only', `${base}...HEAD`])
  return out.split('\n').filter(Boolean)
}
