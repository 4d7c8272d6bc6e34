import { and, asc, eq, lte } from 'drizzle-orm'
import type { AgentAssignment, AgentMode } from '../../agents/runtime/agent-runtime.ts'
import { reviews, taskExecutions } from '../../db/schema.ts'
import { activeMembers, MAX_SUBTASKS } from '../../workflow/squad-workflow.ts'
import { type ExecutionContext, resultString } from './execution-context.ts'
import { gitOutput } from './sandbox-git.ts'

/** The agent's mode for a run: lead's plan, reviewer's review, or implementing (start, retry, revision). */
export const modeOf = (runReason: string): AgentMode =>
  runReason === 'plan' ? 'plan' : runReason === 'review' ? 'review' : 'implement'

/**
 * What this run asks of the agent, read from the database and the workspace, so a resumed run
 * asks the same: the reviews a revision answers (those that queued it), the roles a plan may use,
 * the diff a review reads (the branch against the default branch it started from).
 */
export async function assignmentFor(ctx: ExecutionContext): Promise<AgentAssignment> {
  const mode = modeOf(ctx.execution.runReason)
  const db = ctx.deps.db
  if (mode === 'plan') {
    const members = (await activeMembers(db, ctx.task.squadId)).filter((m) => m.id !== ctx.agent?.id)
    const roles = new Map<string, string[]>()
    for (const m of members) roles.set(m.role, [...(roles.get(m.role) ?? []), m.name])
    return {
      mode,
      roles: [...roles].map(([role, agents]) => ({ role, agents })),
      maxSubtasks: MAX_SUBTASKS,
    }
  }
  if (mode === 'review') {
    const base = resultString(ctx, 'provision', 'base_commit')
    if (!base) throw new Error('the provision step recorded no base commit')
    const diff = await gitOutput(ctx, [
      '-c',
      'core.quotePath=false',
      'diff',
      '--no-color',
      '--no-ext-diff',
      `${base}...HEAD`,
    ])
    const files = await gitOutput(ctx, [
      '-c',
      'core.quotePath=false',
      'diff',
      '--name-only',
      `${base}...HEAD`,
    ])
    const earlier = await db
      .select({ id: taskExecutions.id })
      .from(taskExecutions)
      .where(
        and(
          eq(taskExecutions.taskId, ctx.task.id),
          eq(taskExecutions.runReason, 'review'),
          // Ids are UUID v7, in creation order (timestamps would lose microseconds in a JS Date).
          lte(taskExecutions.id, ctx.execution.id),
        ),
      )
    return { mode, base, diff, files: files.split('\n').filter(Boolean), round: earlier.length }
  }
  const feedback = await db
    .select()
    .from(reviews)
    .where(eq(reviews.followUpExecutionId, ctx.execution.id))
    .orderBy(asc(reviews.createdAt))
  return {
    mode,
    feedback: feedback.map((r) => ({ author: r.authorName, body: r.body, comments: r.comments })),
  }
}
