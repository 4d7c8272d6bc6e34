import { and, asc, eq, inArray } from 'drizzle-orm'
import { executionSteps, squadMembers, taskExecutions, tasks } from '../../db/schema.ts'
import type { ExecutionContext } from './execution-context.ts'

/**
 * The summary of a chain's pull request: every link that has done its part so far, in order, with
 * who did it and what they said (this run's own words for its link, or last, for a revision of the
 * parent), so the description covers the whole branch. Null when the branch's task has no links.
 */
export async function chainSummary(ctx: ExecutionContext, own: string): Promise<string | null> {
  const db = ctx.deps.db
  const links = await db
    .select({ id: tasks.id, number: tasks.number, title: tasks.title })
    .from(tasks)
    .where(eq(tasks.parentTaskId, ctx.branchTask.id))
    .orderBy(asc(tasks.number))
  if (!links.length) return null
  const done = await db
    .select({
      taskId: taskExecutions.taskId,
      agent: squadMembers.name,
      result: executionSteps.result,
    })
    .from(taskExecutions)
    .innerJoin(
      executionSteps,
      and(eq(executionSteps.executionId, taskExecutions.id), eq(executionSteps.name, 'agent')),
    )
    .leftJoin(squadMembers, eq(squadMembers.id, taskExecutions.agentId))
    .where(
      and(
        inArray(
          taskExecutions.taskId,
          links.map((l) => l.id),
        ),
        eq(taskExecutions.status, 'succeeded'),
      ),
    )
    .orderBy(asc(taskExecutions.queuedAt))
  const said = new Map<string, string>()
  for (const run of done) {
    const summary = typeof run.result?.summary === 'string' ? run.result.summary.trim() : ''
    said.set(run.taskId, `${run.agent ? `${run.agent}: ` : ''}${summary || '_no summary_'}`)
  }
  const mine = `${ctx.agent?.name ? `${ctx.agent.name}: ` : ''}${own.trim() || '_no summary_'}`
  const isLink = links.some((l) => l.id === ctx.task.id)
  if (isLink) said.set(ctx.task.id, mine)
  const sections = links
    .filter((l) => said.has(l.id))
    .map((l) => `### #${l.number} ${l.title}\n\n${said.get(l.id)}`)
  if (!isLink) sections.push(`### Revision after review\n\n${mine}`)
  return sections.join('\n\n')
}
