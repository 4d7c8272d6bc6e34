import type { GitProgress } from '@agent-squad/contract'
import { classifyGitError } from '../../git/classify-git-error.ts'
import { withRetry } from '../../git/retry.ts'
import { GitCommandError, parseGitProgress } from '../../git/run-git.ts'
import type { ExecutionContext } from './execution-context.ts'
import { explainGitFailure, GitFailureError } from './sandbox-git.ts'

/** The failure class of a host git command (the cache's clone or fetch), from everything it printed. */
const failureOf = (error: unknown) =>
  classifyGitError(
    error instanceof GitCommandError
      ? `${error.result.stderr}\n${error.result.stdout}`
      : String((error as Error)?.message ?? error),
  )

/** A failed cache fetch, explained like a failed git command in the sandbox. */
export const explained = (ctx: ExecutionContext, error: unknown) =>
  error instanceof GitCommandError
    ? explainGitFailure(`git ${error.args[0]}`, error.result, ctx.redactor, error)
    : error

/** Retries transient failures of the cache's git commands, saying so in the log and the event stream. */
export const cacheRetry =
  (ctx: ExecutionContext, operation: GitProgress['operation'] = 'clone') =>
  <T>(fn: () => Promise<T>): Promise<T> =>
    withRetry(fn, {
      attempts: ctx.deps.limits.gitAttempts,
      baseDelayMs: ctx.deps.limits.gitBaseDelayMs,
      signal: ctx.signal,
      shouldRetry: (error) => failureOf(error).kind === 'transient',
      onRetry: ({ attempt, delayMs, error }) => {
        // Each failed attempt counts as a git failure, as in sandbox-git.ts; the last one in the step.
        ctx.deps.metrics?.executions.gitFailures.inc({ operation, kind: failureOf(error).kind })
        ctx.deps.metrics?.executions.gitRetries.inc({ operation })
        const reason = failureOf(error).reason
        const command = error instanceof GitCommandError ? `git ${error.args[0]}` : 'git'
        ctx.log.write('system', `${command}: ${reason}; retrying in ${delayMs} ms (attempt ${attempt + 1})\n`)
        void ctx.store
          .gitProgress({
            operation,
            phase: 'retrying',
            percent: null,
            message: `${reason}; retry ${attempt + 1}`,
          })
          .catch(() => {})
      },
    })

/**
 * Reports the cache's clone or fetch: every line to the log, and at most one progress event each
 * 250 ms (git prints many times a second).
 */
export function cacheProgress(ctx: ExecutionContext) {
  let last = 0
  return (text: string) => {
    ctx.log.write('stderr', text)
    const parsed = parseGitProgress(text)
    if (!parsed || Date.now() - last < 250) return
    last = Date.now()
    void ctx.store
      .gitProgress({ operation: 'clone', phase: 'progress', percent: parsed.percent, message: parsed.stage })
      .catch(() => {})
  }
}

/** A failed cache clone or fetch: explained, counted, announced; returns the error to throw. */
export async function cacheFailure(ctx: ExecutionContext, error: unknown) {
  const failure = explained(ctx, error)
  if (failure instanceof GitFailureError) {
    ctx.deps.metrics?.executions.gitFailures.inc({ operation: 'clone', kind: failure.failure.kind })
    await ctx.store.gitProgress({
      operation: 'clone',
      phase: 'failed',
      percent: null,
      message: failure.failure.reason,
    })
  }
  return failure
}
