import type { StepName } from '@agent-squad/contract'
import type { BlockedConnection } from '../../sandbox/blocked-connections.ts'
import { advanceWorkflow } from '../../workflow/advance-workflow.ts'
import { detectOverlap } from '../../workflow/detect-overlap.ts'
import type { ExecutionRow } from '../find-owned-execution.ts'
import type { RunExecution } from '../queue/worker.ts'
import { modeOf } from './assignment.ts'
import { finishCheck, openCheck } from './check-run.ts'
import type { ExecutionContext, Step } from './execution-context.ts'
import { keepSandboxAlive } from './keep-sandbox-alive.ts'
import { loadContext } from './load-context.ts'
import { restartBoundary } from './log-writer.ts'
import type { PipelineDeps } from './pipeline-deps.ts'
import { reattachSandbox, SandboxUnreachable } from './reattach-sandbox.ts'
import { GitFailureError } from './sandbox-git.ts'
import { agent } from './steps/agent.ts'
import { branch } from './steps/branch.ts'
import { cleanup, type Outcome } from './steps/cleanup.ts'
import { clone } from './steps/clone.ts'
import { commit } from './steps/commit.ts'
import { provision } from './steps/provision.ts'
import { pullRequest } from './steps/pull-request.ts'
import { push } from './steps/push.ts'

const mainSteps: [StepName, Step][] = [
  ['provision', provision],
  ['clone', clone],
  ['branch', branch],
  ['agent', agent],
  ['commit', commit],
  ['push', push],
  ['pull_request', pullRequest],
]
const finished = new Set(['succeeded', 'skipped'])
const afterAgent: StepName[] = ['commit', 'push', 'pull_request']

class Interrupted extends Error {}

/** After a commit: tell both sides when another unmerged branch of the repository changed the same files. */
async function warnOfOverlap(ctx: ExecutionContext, result: Record<string, unknown>) {
  const files = Array.isArray(result.branch_files) ? (result.branch_files as string[]) : []
  try {
    const overlaps = await detectOverlap(ctx.deps.db, {
      executionId: ctx.execution.id,
      taskId: ctx.task.id,
      taskNumber: ctx.task.number,
      squadId: ctx.task.squadId,
      repositoryId: ctx.repo.id,
      files,
    })
    for (const o of overlaps)
      ctx.log.write(
        'system',
        `Warning: task #${o.other_task_number} changes the same files on its own branch (${o.files.join(', ')}): merging both needs care\n`,
      )
  } catch (error) {
    // A warning that cannot be given must not fail the run.
    ctx.deps.logger.warn({ err: error, execution: ctx.execution.id }, 'overlap check failed')
  }
}

/** A failure as stored and shown: redacted; a git failure's message already explains its cause. */
const failureText = (ctx: ExecutionContext, error: unknown) =>
  ctx.redactor.redactError(error instanceof GitFailureError ? error.message : error)

/**
 * Marks a step running and points the log at it. A step that already ran (its attempt is past 1) is
 * being run again by a resumed execution: its output starts over, so the log says so first, once.
 */
async function startStep(ctx: ExecutionContext, name: StepName) {
  const { attempt } = await ctx.store.updateStep(name, { status: 'running' })
  ctx.log.setStep(name, attempt)
  if (attempt > 1) ctx.log.writeBoundary(restartBoundary(name, attempt))
}

/**
 * Runs an execution's steps in order, skipping those that already finished (a resumed run), then
 * always the cleanup step. A stop for shutdown or a lost lease leaves the execution as it is, to be
 * resumed; a cancel or a failure ends it.
 */
export function createExecutionRunner(deps: PipelineDeps): RunExecution {
  return async (row: ExecutionRow, signal: AbortSignal) => {
    const { context: ctx, steps } = await loadContext(deps, row, signal)
    const alive = keepSandboxAlive(ctx, deps.limits.sandboxTimeoutMs)
    const unwatch = deps.blocked?.watch(row.id, (blocked) => reportBlocked(ctx, blocked))
    try {
      await runSteps(ctx, row, signal, steps, alive)
    } finally {
      alive.stop()
      unwatch?.()
    }
  }
}

/**
 * Tells the person, in the log and as an event the Work page shows, that the agent tried to reach
 * something its network policy does not allow. Redacted first: a name can carry a stolen secret.
 */
function reportBlocked(ctx: ExecutionContext, blocked: BlockedConnection) {
  const host = ctx.redactor.redact(blocked.host)
  const reason = ctx.redactor.redact(blocked.reason)
  ctx.log.write('system', `Blocked connection to ${host}:${blocked.port}: ${reason}\n`)
  void ctx.store
    .connectionBlocked({ host, port: blocked.port, reason })
    .catch((error) =>
      ctx.deps.logger.warn(
        { err: error, execution: ctx.execution.id },
        'recording a blocked connection failed',
      ),
    )
}

async function runSteps(
  ctx: ExecutionContext,
  row: ExecutionRow,
  signal: AbortSignal,
  steps: Awaited<ReturnType<typeof loadContext>>['steps'],
  alive: ReturnType<typeof keepSandboxAlive>,
) {
  const status = new Map(steps.map((s) => [s.name as StepName, s.status]))
  const commitsWork = modeOf(row.runReason) === 'implement'
  let outcome: Outcome = 'succeeded'
  let error: string | null = null
  try {
    // A resumed run's log goes on where the last one stopped, maybe in the middle of a line.
    if (!((await ctx.store.lastLogText())?.endsWith('\n') ?? true)) ctx.log.write('system', '\n')
    ctx.log.write('system', `Execution ${row.id} (attempt ${row.attempt}) on ${row.gitBranch}\n`)
    await reattachSandbox(ctx, status).catch((reattachError) => {
      // Unreachable is not gone: leave the run as it is, for a later claim to re-attach.
      throw reattachError instanceof SandboxUnreachable
        ? new Interrupted(reattachError.message)
        : reattachError
    })
    for (const [name, run] of mainSteps) {
      if (finished.has(status.get(name) ?? '')) continue
      // A plan or a review never commits, even when resumed after a crash between its agent
      // step and the skips that step's stop wrote (its commands may have touched files).
      if (!commitsWork && afterAgent.includes(name)) {
        await ctx.store.updateStep(name, { status: 'skipped' })
        continue
      }
      if (signal.aborted) throw new Interrupted(String(signal.reason))
      await startStep(ctx, name)
      const stepStarted = performance.now()
      const timeStep = (stepStatus: 'succeeded' | 'failed' | 'cancelled') =>
        ctx.deps.metrics?.executions.stepDuration.observe(
          { step: name, status: stepStatus },
          (performance.now() - stepStarted) / 1000,
        )
      try {
        const out = await run(ctx)
        timeStep('succeeded')
        if (name === 'branch' || name === 'push')
          Object.assign(out.result, await openCheck(ctx, name, out.result))
        ctx.results[name] = out.result
        if (name === 'push') await alive.workIsOut()
        await ctx.store.updateStep(name, { status: 'succeeded', result: out.result })
        if (name === 'commit') await warnOfOverlap(ctx, out.result)
        if (out.stop) {
          outcome = out.stop
          const rest = mainSteps.slice(mainSteps.findIndex(([n]) => n === name) + 1)
          for (const [skipped] of rest) await ctx.store.updateStep(skipped, { status: 'skipped' })
          break
        }
      } catch (stepError) {
        if (signal.aborted && signal.reason !== 'cancelled') throw new Interrupted(String(signal.reason))
        timeStep(signal.aborted ? 'cancelled' : 'failed')
        if (signal.aborted) {
          // Stopped by a person, not failed: the step says so, and the run ends as cancelled.
          await ctx.store.updateStep(name, { status: 'cancelled', error: 'Cancelled' })
          throw stepError
        }
        // A command cut off because its sandbox died (killed, or past its time limit) fails with a
        // git or exit error of its own; the cause people need to see is the sandbox.
        const sandbox = ctx.sandbox
        const gone = sandbox ? !(await sandbox.isRunning().catch(() => true)) : false
        const message = gone
          ? `The sandbox ${sandbox?.sandboxId} is gone (killed, or past its time limit) while the ${name} step ran: ${failureText(ctx, stepError)}`
          : failureText(ctx, stepError)
        await ctx.store.updateStep(name, { status: 'failed', error: message })
        throw Object.assign(new Error(message), { stepFailed: true })
      }
    }
  } catch (failure) {
    if (failure instanceof Interrupted && signal.reason !== 'cancelled') {
      // Shutdown or lost lease: leave everything in place for the next claim to resume.
      ctx.log.write('system', `Paused (${failure.message}); it resumes where it stopped.\n`)
      await ctx.log.close()
      return
    }
    outcome = signal.aborted && signal.reason === 'cancelled' ? 'cancelled' : 'failed'
    error = outcome === 'cancelled' ? 'Cancelled' : failureText(ctx, failure)
  }

  // Cleanup sets the sandbox's fate (killed, or kept for debugging): no renewal may undo it.
  alive.stop()
  await startStep(ctx, 'cleanup')
  const cleanupStarted = performance.now()
  const timeCleanup = (cleanupStatus: 'succeeded' | 'failed') =>
    ctx.deps.metrics?.executions.stepDuration.observe(
      { step: 'cleanup', status: cleanupStatus },
      (performance.now() - cleanupStarted) / 1000,
    )
  try {
    const result = await cleanup(ctx, outcome)
    timeCleanup('succeeded')
    await ctx.store.updateStep('cleanup', { status: 'succeeded', result })
  } catch (cleanupError) {
    timeCleanup('failed')
    await ctx.store.updateStep('cleanup', {
      status: 'failed',
      error: ctx.redactor.redactError(cleanupError),
    })
  }
  await finishCheck(ctx, outcome, error)
  ctx.log.write('system', `Finished: ${outcome}${error ? ` — ${error}` : ''}\n`)
  await ctx.log.close()
  // The task's next column and the workflow's next run (review, revision, subtasks) commit with the end.
  await ctx.store.finish(outcome, error, (tx, finished) =>
    advanceWorkflow(tx, {
      execution: finished,
      outcome,
      agentResult: ctx.results.agent,
      awaitingReview: ctx.results.commit?.awaiting_review === true,
    }),
  )
  ctx.deps.metrics?.executions.finished.inc({ outcome, reason: row.runReason })
}
