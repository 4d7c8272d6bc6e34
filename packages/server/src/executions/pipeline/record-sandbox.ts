import { sandboxes } from '../../db/schema.ts'
import { newId } from '../../domain/ids.ts'
import type { Sandbox } from '../../sandbox/sandbox-provider.ts'
import type { ExecutionContext } from './execution-context.ts'

/**
 * Records a new sandbox of the execution (its row, the execution's link to it and base commit, and
 * a `sandbox.updated` event) in one transaction; returns the row's id. The updated execution row
 * comes back from the same statement: no second read of it.
 */
export async function recordSandbox(ctx: ExecutionContext, sandbox: Sandbox, baseCommit: string) {
  const { deps, store } = ctx
  const rowId = newId()
  ctx.execution = await store.updateExecution({ sandboxId: rowId, baseCommit }, async (tx) => {
    await tx.insert(sandboxes).values({
      id: rowId,
      provider: deps.sandboxes.name,
      providerSandboxId: sandbox.sandboxId,
      taskId: ctx.task.id,
      agentId: ctx.agent?.id ?? null,
      executionId: ctx.execution.id,
      repoUrl: ctx.forge.cloneUrl(ctx.repo),
      status: 'RUNNING',
      metadata: { execution_id: ctx.execution.id },
    })
    return [
      {
        type: 'sandbox.updated',
        ...store.scope,
        payload: { id: rowId, provider: deps.sandboxes.name, status: 'RUNNING', message: null },
      },
    ]
  })
  return rowId
}
