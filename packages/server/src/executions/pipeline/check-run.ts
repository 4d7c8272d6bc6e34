import type { CheckRunInput } from '../../forge/forge.ts'
import { type ExecutionContext, resultString, type StepResult } from './execution-context.ts'
import type { Outcome } from './steps/cleanup.ts'

/**
 * A check run on the branch's head commit shows a run on the forge while it happens (GitHub's
 * checks): in progress from the moment the run has a commit on the forge to point at (the branch it
 * continues, or the commit it pushed), with a link to the live Work page, then completed with the
 * result (and, for a review, the reviewer agent's verdict). Its id is kept in the step's result, so
 * a resumed run completes the check its first attempt opened. Reporting is best effort: a forge
 * that refuses a check (a token without the checks permission) costs a log line, never the run.
 */

const CHECK_NAME = 'Agent Squad'

const workPage = (ctx: ExecutionContext) => {
  const base = ctx.deps.publicUrl?.()
  const path = `/squads/${ctx.branchTask.squadId}/tasks/${ctx.branchTask.id}`
  return base ? `${base.replace(/\/+$/, '')}${path}` : undefined
}

const working: Record<string, string> = {
  review: 'The reviewer agent is reviewing',
  revision: 'An agent is addressing the review',
  plan: 'The lead agent is planning',
}

async function report(ctx: ExecutionContext, check: CheckRunInput & { id?: string | null }) {
  const { forge } = ctx
  if (!forge.capabilities.checks || !forge.reportCheck) return null
  try {
    return (await forge.reportCheck(ctx.repo, check)).id
  } catch (error) {
    ctx.log.write(
      'system',
      `The check run on ${check.headSha.slice(0, 8)} was not updated: ${ctx.redactor.redactError(error)}\n`,
    )
    return null
  }
}

const inProgress = (ctx: ExecutionContext, headSha: string, title: string): CheckRunInput => {
  const detailsUrl = workPage(ctx)
  return {
    headSha,
    name: CHECK_NAME,
    status: 'in_progress',
    title,
    summary: `Task #${ctx.branchTask.number}: ${ctx.branchTask.title}${detailsUrl ? `\n\nFollow it live: ${detailsUrl}` : ''}`,
    ...(detailsUrl ? { detailsUrl } : {}),
  }
}

/**
 * Opens (or moves) the check after the `branch` or `push` step; returns the fields to keep in that
 * step's result. After `branch` only a branch that is already on the forge has a commit to show it
 * on (a revision, a review); after `push` the check follows the pushed commit, and a check left on
 * the commit before it is completed as superseded.
 */
export async function openCheck(
  ctx: ExecutionContext,
  step: 'branch' | 'push',
  result: StepResult,
): Promise<StepResult> {
  if (!ctx.forge.capabilities.checks) return {}
  const reason = ctx.execution.runReason
  if (step === 'branch') {
    const head = typeof result.start_commit === 'string' ? result.start_commit : null
    if (!head || result.continued !== true) return {}
    const id = await report(ctx, inProgress(ctx, head, working[reason] ?? 'An agent is working'))
    return id ? { check_run_id: id, check_sha: head } : {}
  }
  const pushed = typeof result.pushed_sha === 'string' ? result.pushed_sha : null
  if (!pushed) return {}
  const earlier = resultString(ctx, 'branch', 'check_run_id')
  const earlierSha = resultString(ctx, 'branch', 'check_sha')
  if (earlier && earlierSha === pushed) return { check_run_id: earlier, check_sha: pushed }
  if (earlier && earlierSha)
    await report(ctx, {
      id: earlier,
      headSha: earlierSha,
      name: CHECK_NAME,
      status: 'completed',
      conclusion: 'neutral',
      title: `Superseded by ${pushed.slice(0, 8)}`,
      summary: `This run pushed ${pushed.slice(0, 12)}; its check follows that commit.`,
    })
  const id = await report(ctx, inProgress(ctx, pushed, 'Opening the pull request'))
  return id ? { check_run_id: id, check_sha: pushed } : {}
}

/** What the check says at the end: the run's outcome, and for a review the reviewer's verdict. */
function conclusionOf(
  ctx: ExecutionContext,
  outcome: Outcome,
  error: string | null,
): Pick<CheckRunInput, 'conclusion' | 'title' | 'summary'> {
  const review = ctx.results.agent?.review as { verdict?: string; body?: string } | undefined
  if (outcome === 'succeeded' && review?.verdict)
    return review.verdict === 'approved'
      ? { conclusion: 'success', title: 'The reviewer agent approved', summary: review.body ?? '' }
      : {
          conclusion: 'action_required',
          title: 'The reviewer agent asked for changes',
          summary: review.body ?? '',
        }
  switch (outcome) {
    case 'succeeded':
      return { conclusion: 'success', title: 'Done: the pull request is ready for review', summary: '' }
    case 'no_changes':
      return { conclusion: 'neutral', title: 'Nothing to change', summary: '' }
    case 'cancelled':
      return { conclusion: 'cancelled', title: 'Cancelled', summary: '' }
    case 'failed':
      return { conclusion: 'failure', title: 'The run failed', summary: error ?? '' }
  }
}

/** Completes the run's check with its outcome (nothing when the run never opened one). */
export async function finishCheck(ctx: ExecutionContext, outcome: Outcome, error: string | null) {
  const id = resultString(ctx, 'push', 'check_run_id') ?? resultString(ctx, 'branch', 'check_run_id')
  const sha = resultString(ctx, 'push', 'check_sha') ?? resultString(ctx, 'branch', 'check_sha')
  if (!id || !sha) return
  const detailsUrl = workPage(ctx)
  const end = conclusionOf(ctx, outcome, error)
  await report(ctx, {
    id,
    headSha: sha,
    name: CHECK_NAME,
    status: 'completed',
    ...end,
    summary: [end.summary, detailsUrl ? `Task #${ctx.branchTask.number}: ${detailsUrl}` : '']
      .filter(Boolean)
      .join('\n\n'),
    ...(detailsUrl ? { detailsUrl } : {}),
  })
}
