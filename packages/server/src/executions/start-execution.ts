import type { Execution, RunReason, StartExecutionBody } from '@agent-squad/contract'
import { and, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { repositories, squadMembers } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import { appendEvents } from '../events/append-event.ts'
import type { LocalForge } from '../forge/local/local-forge.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { findOwnedTask } from '../tasks/find-owned-task.ts'
import { chooseRunReason } from '../workflow/choose-run-reason.ts'
import type { AgentRow } from '../workflow/squad-workflow.ts'
import { checkRepositoryReady } from './check-repository-ready.ts'
import { queueExecution } from './queue-execution.ts'

/**
 * Queues a new attempt at a task: one execution with its eight pending steps, the task moved to
 * "in progress", and the workers woken. It never runs anything itself; beyond the concurrency limit
 * it simply waits, visibly, in the queue. A repository with nothing to start from (no commits, no
 * default branch) is refused here, with what to do, rather than failing the run once it is queued.
 */
export async function startExecution(options: {
  db: Db
  user: AuthUser
  taskId: string
  input: StartExecutionBody
  runReason?: RunReason
  /** Where local repositories live on disk, to see that the default branch has a commit. */
  localForge: Pick<LocalForge, 'repoPath' | 'cloneUrl'>
}): Promise<Execution> {
  const { db, user, taskId, input } = options
  return db.transaction(async (tx) => {
    const task = await findOwnedTask(tx, user, taskId)
    // The squad lock also orders concurrent starts of the same task.
    const squad = await findOwnedSquad(tx, user, task.squadId, { lock: true })
    if (!task.repositoryId)
      throw new AppError(
        'validation_failed',
        'This task has no repository: choose one in its Repository field, then start it',
      )
    const [repository] = await tx.select().from(repositories).where(eq(repositories.id, task.repositoryId))
    if (repository) await checkRepositoryReady(repository, options.localForge)
    const agentId = input.agent_id ?? task.assigneeId
    const [agent]: (AgentRow | undefined)[] = agentId
      ? await tx
          .select()
          .from(squadMembers)
          .where(and(eq(squadMembers.id, agentId), eq(squadMembers.squadId, task.squadId)))
      : []
    if (agentId) {
      if (!agent) throw new AppError('validation_failed', `agent_id: no agent ${agentId} in this squad`)
      if (!agent.isActive)
        throw new AppError('conflict', `Agent "${agent.name}" is inactive: activate it first`)
    } else if (!task.script?.trim()) {
      throw new AppError(
        'validation_failed',
        'This task has no assignee and no script: assign an agent or add a script',
      )
    }
    const runReason =
      options.runReason ??
      (await chooseRunReason(tx, { task, agent: agent ?? null, squadConfig: squad.config }))
    const { execution, events } = await queueExecution(tx, {
      task,
      agentId: agentId ?? null,
      ...(runReason ? { runReason } : {}),
      ...(input.network ? { network: input.network } : {}),
    })
    await appendEvents(tx, events)
    return execution
  })
}
