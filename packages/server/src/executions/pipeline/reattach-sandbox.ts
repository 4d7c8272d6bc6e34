import type { StepName } from '@agent-squad/contract'
import { isAppError } from '../../domain/errors.ts'
import { withRetry } from '../../git/retry.ts'
import type { ExecutionContext } from './execution-context.ts'
import { pointOriginAtForge } from './sandbox-git.ts'

/** Steps whose work lives in the sandbox: if the sandbox is gone they must run again. */
const builtInSandbox: StepName[] = ['provision', 'clone', 'branch', 'agent', 'commit']
const finished = new Set(['succeeded', 'skipped'])

/** The sandbox exists but could not be reached (after retries): its work is kept for a later try. */
export class SandboxUnreachable extends Error {
  constructor(sandboxId: string, cause: unknown) {
    super(`sandbox ${sandboxId} could not be reached`, { cause })
    this.name = 'SandboxUnreachable'
  }
}

const isGone = (error: unknown) => isAppError(error) && error.code === 'sandbox_gone'
const isTransient = (error: unknown) => isAppError(error) && error.retryable

/**
 * On resume, re-attaches to the sandbox that earlier steps built. Only a sandbox the provider says is
 * gone makes the steps that built it run again (the agent's work is redone rather than lost
 * silently); one that cannot be reached right now is retried with backoff, then left for a later
 * claim (SandboxUnreachable), because running the agent again would redo work that may still be
 * there. Any other error fails the run, as before.
 */
export async function reattachSandbox(ctx: ExecutionContext, status: Map<StepName, string>) {
  const sandboxId = ctx.results.provision?.sandbox_id
  if (ctx.sandbox || typeof sandboxId !== 'string') return
  const { sandboxes, limits } = ctx.deps
  try {
    ctx.sandbox = await withRetry(() => sandboxes.connect(sandboxId), {
      attempts: limits.gitAttempts,
      baseDelayMs: limits.gitBaseDelayMs,
      signal: ctx.signal,
      shouldRetry: isTransient,
      onRetry: ({ attempt, delayMs, error }) =>
        ctx.log.write(
          'system',
          `Resumed: sandbox ${sandboxId} not reachable (${ctx.redactor.redactError(error)}); retrying in ${delayMs} ms (attempt ${attempt + 1})\n`,
        ),
    })
  } catch (error) {
    if (isTransient(error)) throw new SandboxUnreachable(sandboxId, error)
    if (!isGone(error)) throw error
  }
  if (ctx.sandbox) {
    ctx.log.write('system', `Resumed: re-attached to sandbox ${sandboxId}\n`)
    // The restarted server may listen elsewhere than the one that made the workspace.
    if (finished.has(status.get('clone') ?? '')) await pointOriginAtForge(ctx)
    return
  }
  if (status.get('push') === 'succeeded') return
  ctx.log.write('system', 'Resumed: the sandbox is gone, so its steps run again\n')
  await ctx.store.resetSteps(builtInSandbox)
  for (const name of builtInSandbox) {
    status.set(name, 'pending')
    delete ctx.results[name]
  }
}
