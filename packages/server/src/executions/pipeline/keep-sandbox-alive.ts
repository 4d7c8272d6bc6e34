import type { ExecutionContext } from './execution-context.ts'

/** How long a sandbox lives on once the run's work is out of it (pushed): cleanup comes next. */
export const AFTER_WORK_MS = 5 * 60_000

/**
 * Keeps the run's sandbox from reaching its self-destruct deadline while the run works in it: every
 * third of `timeoutMs` (at most every 5 minutes) the deadline moves to `timeoutMs` from now. A
 * server that dies stops renewing, so its sandboxes end within one timeout however long the agent
 * was allowed to run, instead of running (and billing) until a reaper finds them. `workIsOut` sets
 * the deadline short once the work has left the sandbox and stops the renewals.
 */
export function keepSandboxAlive(ctx: Pick<ExecutionContext, 'sandbox' | 'deps'>, timeoutMs: number) {
  let stopped = false
  const renew = () => {
    if (stopped || !ctx.sandbox) return
    ctx.sandbox
      .setTimeout(timeoutMs)
      .catch((error) =>
        ctx.deps.logger.warn(
          { err: error, sandbox: ctx.sandbox?.sandboxId },
          'keeping a sandbox alive failed',
        ),
      )
  }
  const timer = setInterval(renew, Math.max(1000, Math.min(timeoutMs / 3, 5 * 60_000)))
  timer.unref()
  return {
    stop() {
      stopped = true
      clearInterval(timer)
    },
    /** The work is pushed: the sandbox may end soon, whatever happens to this server. */
    async workIsOut() {
      this.stop()
      await ctx.sandbox?.setTimeout(AFTER_WORK_MS).catch(() => {})
    },
  }
}
