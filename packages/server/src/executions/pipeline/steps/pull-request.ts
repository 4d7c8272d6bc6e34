import { eq } from 'drizzle-orm'
import { taskExecutions } from '../../../db/schema.ts'
import { moveTaskToColumn } from '../../../tasks/move-task-to-column.ts'
import { teamWorkflowOf } from '../../../workflow/squad-workflow.ts'
import { chainSummary } from '../chain-summary.ts'
import type { Step } from '../execution-context.ts'
import { pullRequestBody } from '../pull-request-body.ts'

/**
 * Opens the pull request, or updates the open one for this branch (forges make this idempotent),
 * then moves the task to "in review". On a remote without a pull-request API (a plain git remote)
 * the pushed branch is the result: the task moves to "in review" all the same, and a person opens
 * and merges the pull request on the remote (the execution's `pull_request_url` stays null).
 */
export const pullRequest: Step = async (ctx) => {
  const branchName = ctx.execution.gitBranch
  if (!branchName) throw new Error('execution has no branch')
  if (!ctx.forge.capabilities.pullRequests) {
    ctx.log.write(
      'system',
      `no pull-request API on this remote: the branch ${branchName} is pushed; open a pull request there\n`,
    )
    const chained = ctx.branchTask.id !== ctx.task.id
    await ctx.store.updateExecution({}, async (tx) =>
      chained ? [] : moveTaskToColumn(tx, ctx.task.id, 'in_review'),
    )
    return {
      result: { pushed_branch: branchName, remote_url: ctx.forge.cloneUrl(ctx.repo), pull_request: null },
    }
  }
  const [row] = await ctx.deps.db.select().from(taskExecutions).where(eq(taskExecutions.id, ctx.execution.id))
  const commits = row?.commitHistory ?? []
  // A chain's pull request is the parent's: its title, its task link, its column (the parent's
  // own revision included), and its description tells what every link did, not only the last one.
  const chained = ctx.branchTask.id !== ctx.task.id
  const prTask = ctx.branchTask
  const summary = typeof ctx.results.agent?.summary === 'string' ? ctx.results.agent.summary : ''
  const chainText = chained || teamWorkflowOf(ctx.squadConfig).chain ? await chainSummary(ctx, summary) : null
  const header =
    chainText !== null ? prTask.title : (commits[commits.length - 1]?.message.split('\n')[0] ?? prTask.title)
  const description = chainText ?? summary
  await ctx.store.gitProgress({
    operation: 'pull_request',
    phase: 'started',
    percent: null,
    message: 'opening pull request',
  })
  const pr = await ctx.forge.createPullRequest({
    repo: ctx.repo,
    head: branchName,
    base: ctx.repo.defaultBranch,
    title: header,
    body: pullRequestBody({
      task: prTask,
      taskUrl: `/squads/${prTask.squadId}/tasks/${prTask.id}`,
      summary: description,
      commits,
      agentName: ctx.agent?.name ?? 'the script runner',
      branch: branchName,
      base: ctx.repo.defaultBranch,
      rebased: ctx.results.push?.rebased === true,
    }),
    labels: prTask.labels,
    reviewers: ctx.squadConfig.reviewers ?? ctx.deps.defaults.reviewers,
    draft: ctx.squadConfig.draft_pull_requests === true,
    // What the pipeline already knows, so the forge need not ask for it again.
    ...(typeof ctx.results.push?.base === 'string' ? { baseSha: ctx.results.push.base } : {}),
    ...(Array.isArray(ctx.results.commit?.branch_files)
      ? { changedFiles: ctx.results.commit.branch_files as string[] }
      : {}),
    taskId: prTask.id,
    executionId: ctx.execution.id,
  })
  // What the forge could not do but the pull request stands without (a reviewer GitHub refused).
  for (const warning of pr.warnings ?? [])
    ctx.log.write('system', `Warning: ${ctx.redactor.redact(warning)}\n`)
  // A chain's link leaves the columns to the workflow (the parent is reviewed after the last link).
  await ctx.store.updateExecution({ pullRequestUrl: pr.url }, async (tx) =>
    chained ? [] : moveTaskToColumn(tx, ctx.task.id, 'in_review'),
  )
  await ctx.store.gitProgress({
    operation: 'pull_request',
    phase: 'finished',
    percent: 100,
    message: `${pr.created ? 'opened' : 'updated'} #${pr.number}`,
  })
  return {
    result: { number: pr.number, url: pr.url, created: pr.created, warnings: pr.warnings ?? [] },
  }
}
