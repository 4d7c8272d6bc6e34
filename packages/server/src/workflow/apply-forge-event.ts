import type { ReviewComment } from '@agent-squad/contract'
import { and, count, eq, inArray, isNotNull } from 'drizzle-orm'
import type { Db, Executor } from '../db/database.ts'
import { pullRequests, reviews, squads, taskExecutions, tasks, webhookDeliveries } from '../db/schema.ts'
import { appendEvents, type NewEvent } from '../events/append-event.ts'
import type { Forge, ForgeEvent } from '../forge/forge.ts'
import { pullRequestEvent, toPullRequestDto } from '../pull-requests/pull-request-dto.ts'
import { repoRefOf } from '../repositories/repo-ref.ts'
import type { RepositoryRow } from '../repositories/repository-dto.ts'
import { moveTaskToColumn } from '../tasks/move-task-to-column.ts'
import { createIssueTask } from './create-issue-task.ts'
import { findPullRequestTask } from './find-pull-request-task.ts'
import { finishMergedTask } from './finish-merged-task.ts'
import { forgeRulesOf, mentions, refusalOf } from './forge-rules.ts'
import { recordReview } from './record-review.ts'
import { teamWorkflowOf } from './squad-workflow.ts'

/** A repository of a squad that the event happened on, and the forge that reaches it. */
export type ForgeEventTarget = { repository: RepositoryRow; forge: Forge }

export type ForgeEventResult = {
  /** The key was recorded before: nothing was done (again). */
  duplicate: boolean
  /** What was done, for people (stored in webhook_deliveries.outcome). */
  outcome: string
}

/** What one target calls for, decided before the transaction: the forge's answers take a round trip. */
type Plan =
  | { kind: 'skip'; outcome: string }
  | { kind: 'act' }
  | { kind: 'revision'; taskId: string; author: string; body: string; comments: ReviewComment[] }

/**
 * Applies something that happened on a forge (a webhook delivery, or what the poller found) to the
 * repositories it concerns, exactly once per `key`: the key is inserted into webhook_deliveries in
 * the same transaction as the effects, so a redelivery, a second poll or a concurrent duplicate
 * (which waits on the first one's uncommitted key, then finds it) does nothing twice.
 *
 * - a pull request merged: its task is done (finishMergedTask: waiting tasks start, a parent rolls
 *   up); closed without merging: its task goes back from In review to To do, no run started.
 * - a review requesting changes, or a comment (or a review's comment) mentioning the squad's
 *   handle, by someone with write access or on the allow list: a revision on the same branch and
 *   pull request with the text and the file comments, at most `max_review_rounds` per task.
 * - an issue labeled with the squad's label: a task linked to it (see create-issue-task.ts).
 */
export async function applyForgeEvent(options: {
  db: Db
  /** The dedup key: a webhook's delivery id, or the poller's `github-poll:{repository}:{event id}`. */
  key: string
  source: 'github-webhook' | 'github-poll'
  /** The forge's name of the event (`pull_request_review`) or the event's kind. */
  eventName: string
  event: ForgeEvent
  targets: ForgeEventTarget[]
  /** The web app's base URL, for the pull request events' links (see toPullRequestDto). */
  webBaseUrl: string
}): Promise<ForgeEventResult> {
  const { db, key, event, targets } = options
  const seen = await outcomeOf(db, key)
  if (seen !== null) return { duplicate: true, outcome: seen }
  const plans: Plan[] = []
  for (const target of targets) plans.push(await planFor(db, target, event))
  return db.transaction(async (tx) => {
    const [fresh] = await tx
      .insert(webhookDeliveries)
      .values({
        id: key,
        source: options.source,
        event: options.eventName,
        repositoryId: targets[0]?.repository.id ?? null,
      })
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.id })
    if (!fresh) return { duplicate: true, outcome: (await outcomeOf(tx, key)) ?? '' }
    const events: NewEvent[] = []
    const outcomes: string[] = []
    for (const [i, target] of targets.entries()) {
      const done = await effectOf(tx, target, event, plans[i] ?? { kind: 'act' }, options.webBaseUrl)
      events.push(...done.events)
      outcomes.push(done.outcome)
    }
    const outcome = outcomes.join('; ') || 'ignored: no repository of this server'
    await tx.update(webhookDeliveries).set({ outcome }).where(eq(webhookDeliveries.id, key))
    await appendEvents(tx, events)
    return { duplicate: false, outcome }
  })
}

async function outcomeOf(db: Executor, key: string): Promise<string | null> {
  const [row] = await db
    .select({ outcome: webhookDeliveries.outcome })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, key))
  return row ? row.outcome : null
}

const toComments = (list: { path: string; line: number | null; body: string }[]): ReviewComment[] =>
  list
    .filter((c) => c.body.trim() && c.path.trim())
    .map((c) => ({ path: c.path.trim(), line: c.line && c.line > 0 ? c.line : null, body: c.body.trim() }))

/** Whether a review or comment asks for a revision, and whether its author may: asks the forge. */
async function planFor(db: Db, target: ForgeEventTarget, event: ForgeEvent): Promise<Plan> {
  if (event.kind === 'pull_request_closed' || event.kind === 'issue_labeled') return { kind: 'act' }
  if (event.kind === 'review' && event.state === 'approved')
    return { kind: 'skip', outcome: 'ignored: an approval asks for nothing (merge the pull request)' }
  // GitHub delivers a review and then each of its comments on its own: the review acts, with all
  // of them, so three comments make one revision, not three.
  if (event.kind === 'review_comment' && event.reviewId)
    return { kind: 'skip', outcome: `ignored: part of review ${event.reviewId}, acted on with it` }
  if (event.kind === 'comment' && !event.onPullRequest)
    return { kind: 'skip', outcome: 'ignored: a comment on an issue, not on a pull request' }
  const { repository, forge } = target
  const [squad] = await db
    .select({ config: squads.config })
    .from(squads)
    .where(eq(squads.id, repository.squadId))
  const task = await findPullRequestTask(db, repository, { number: event.number })
  if (!squad || !task) return { kind: 'skip', outcome: `ignored: pull request #${event.number} is no task's` }
  const rules = forgeRulesOf(squad.config)
  const repo = repoRefOf(repository)
  let comments: ReviewComment[] = []
  let asks: boolean
  if (event.kind === 'review') {
    comments = toComments(
      event.comments.length || !event.reviewId || !forge.reviewComments
        ? event.comments
        : await forge.reviewComments(repo, event.number, event.reviewId),
    )
    asks =
      event.state === 'changes_requested' ||
      mentions(event.body, rules.handle) ||
      comments.some((c) => mentions(c.body, rules.handle))
  } else if (event.kind === 'review_comment') {
    comments = toComments([event])
    asks = mentions(event.body, rules.handle)
  } else asks = mentions(event.body, rules.handle)
  if (!asks) return { kind: 'skip', outcome: `ignored: does not mention ${rules.handle}` }
  const refusal = await refusalOf(forge, repo, rules, event.author)
  if (refusal) return { kind: 'skip', outcome: `ignored: ${refusal}` }
  const body = event.kind === 'review_comment' ? '' : event.body.trim()
  return { kind: 'revision', taskId: task.id, author: event.author, body, comments }
}

async function effectOf(
  tx: Executor,
  target: ForgeEventTarget,
  event: ForgeEvent,
  plan: Plan,
  webBaseUrl: string,
): Promise<{ events: NewEvent[]; outcome: string }> {
  if (plan.kind === 'skip') return { events: [], outcome: plan.outcome }
  const { repository } = target
  // The squad's row lock first, the order every board change takes it in.
  const [squad] = await tx.select().from(squads).where(eq(squads.id, repository.squadId)).for('update')
  if (!squad) return { events: [], outcome: 'ignored: the squad is gone' }
  if (plan.kind === 'revision') return requestRevision(tx, plan, teamWorkflowOf(squad.config).maxReviewRounds)
  if (event.kind === 'pull_request_closed') return closePullRequest(tx, repository, event, webBaseUrl)
  if (event.kind === 'issue_labeled') {
    const { label } = forgeRulesOf(squad.config)
    if (event.label.toLowerCase() !== label.toLowerCase())
      return { events: [], outcome: `ignored: label ${event.label} is not the squad's (${label})` }
    return createIssueTask(tx, { squad, repositoryId: repository.id, issue: event })
  }
  return { events: [], outcome: `ignored: ${event.kind} is not acted on` }
}

/**
 * A revision from the forge, recorded as a review by its GitHub author (shown with the task's
 * reviews). Rounds are bounded as the reviewer agent's are: at most `max_review_rounds` revisions
 * asked from the forge per task; after that the review is recorded and queues nothing, and a
 * person continues from the board. A run already queued or running also means no second one.
 */
async function requestRevision(
  tx: Executor,
  plan: Extract<Plan, { kind: 'revision' }>,
  maxRounds: number,
): Promise<{ events: NewEvent[]; outcome: string }> {
  const [task] = await tx.select().from(tasks).where(eq(tasks.id, plan.taskId))
  if (!task) return { events: [], outcome: 'ignored: the task is gone' }
  if (task.status === 'done') return { events: [], outcome: `ignored: task #${task.number} is done` }
  const [active] = await tx
    .select({ id: taskExecutions.id })
    .from(taskExecutions)
    .where(and(eq(taskExecutions.taskId, task.id), inArray(taskExecutions.status, ['queued', 'running'])))
  const [asked] = await tx
    .select({ n: count() })
    .from(reviews)
    .where(
      and(
        eq(reviews.taskId, task.id),
        eq(reviews.authorKind, 'github'),
        isNotNull(reviews.followUpExecutionId),
      ),
    )
  const roundsLeft = (asked?.n ?? 0) < maxRounds
  const recorded = await recordReview(tx, {
    task,
    author: { kind: 'github', id: null, name: plan.author },
    executionId: null,
    verdict: 'changes_requested',
    body: plan.body,
    comments: plan.comments,
    followUp: roundsLeft && !active,
  })
  const why = active
    ? 'a run is already queued or running'
    : `the ${maxRounds} review round${maxRounds === 1 ? '' : 's'} are used up`
  const outcome = recorded.review.follow_up_execution_id
    ? `revision queued for task #${task.number}`
    : `review recorded for task #${task.number}, no revision: ${why}`
  return { events: recorded.events, outcome }
}

/**
 * Merged: the mirrored pull request row (if any) is merged and its task is done, through the same
 * after-merge rules as the local forge's merge. Closed without merging: the row is closed, and a
 * task waiting in review goes back to To do, with no run started: the work was turned down on the
 * forge, so a person decides what next (start it again, edit it, or cancel it).
 */
async function closePullRequest(
  tx: Executor,
  repository: RepositoryRow,
  event: Extract<ForgeEvent, { kind: 'pull_request_closed' }>,
  webBaseUrl: string,
): Promise<{ events: NewEvent[]; outcome: string }> {
  const [pr] = await tx
    .select()
    .from(pullRequests)
    .where(and(eq(pullRequests.repositoryId, repository.id), eq(pullRequests.number, event.number)))
    .for('update')
  const task = await findPullRequestTask(tx, repository, event)
  const events: NewEvent[] = []
  const state = event.merged ? 'merged' : 'closed'
  if (pr && pr.state !== 'merged' && pr.state !== state) {
    const now = new Date()
    const [row] = await tx
      .update(pullRequests)
      .set(
        event.merged
          ? { state, mergeCommit: event.mergeCommit, mergedAt: now, updatedAt: now }
          : { state, updatedAt: now },
      )
      .where(eq(pullRequests.id, pr.id))
      .returning()
    if (row)
      events.push(
        pullRequestEvent(
          event.merged ? 'pull_request.merged' : 'pull_request.updated',
          toPullRequestDto(row, webBaseUrl),
        ),
      )
  }
  if (!task) return { events, outcome: `pull request #${event.number} ${state}; no task of this squad` }
  if (event.merged) {
    if (task.status === 'done') return { events, outcome: `task #${task.number} was done already` }
    events.push(...(await finishMergedTask(tx, task.id)))
    return { events, outcome: `task #${task.number} done (pull request #${event.number} merged)` }
  }
  if (task.status !== 'in_review')
    return {
      events,
      outcome: `pull request #${event.number} closed; task #${task.number} stays in ${task.status}`,
    }
  events.push(...(await moveTaskToColumn(tx, task.id, 'todo')))
  return {
    events,
    outcome: `task #${task.number} back to To do (pull request #${event.number} closed unmerged)`,
  }
}
