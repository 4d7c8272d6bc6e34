import type { RunReason } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { tasks } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import type { TaskRow } from '../tasks/find-owned-task.ts'
import { type AgentRow, canPlanAndReview, teamWorkflowOf } from './squad-workflow.ts'

/**
 * What a start from the board means in a team squad: a top-level task assigned to the lead is
 * planned (split into subtasks) rather than implemented; anything else runs as usual. `null` leaves
 * the default (start, or retry for a later attempt).
 */
export async function chooseRunReason(
  tx: Executor,
  options: { task: TaskRow; agent: AgentRow | null; squadConfig: Record<string, unknown> },
): Promise<RunReason | null> {
  const { task, agent } = options
  if (!teamWorkflowOf(options.squadConfig).team || task.parentTaskId || !agent) return null
  if (agent.role.toLowerCase() !== 'lead' || !canPlanAndReview(agent)) return null
  const children = await tx
    .select({ number: tasks.number })
    .from(tasks)
    .where(eq(tasks.parentTaskId, task.id))
  if (children.length)
    throw new AppError(
      'conflict',
      `Task #${task.number} is already split into ${children.map((c) => `#${c.number}`).join(', ')}: start those subtasks instead`,
    )
  return 'plan'
}
