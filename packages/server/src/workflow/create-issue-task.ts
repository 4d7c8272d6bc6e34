import { and, eq, sql } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { squads, tasks } from '../db/schema.ts'
import { newId } from '../domain/ids.ts'
import type { NewEvent } from '../events/append-event.ts'
import { queueExecution } from '../executions/queue-execution.ts'
import { columnLength } from '../tasks/board-position.ts'
import { toTaskDto } from '../tasks/task-dto.ts'
import { chooseRunReason } from './choose-run-reason.ts'
import {
  type AgentRow,
  activeMembers,
  canPlanAndReview,
  reviewerRoles,
  teamWorkflowOf,
} from './squad-workflow.ts'

/**
 * Who takes an issue's task by the squad's start rule: in a team squad its lead (who plans it);
 * in a solo squad its one implementing agent (reviewers do not count). When that is not one clear
 * agent (no lead, several implementers, nobody active), nobody: the task waits in To do for a
 * person to assign and start, as any task made on the board does.
 */
async function assigneeOf(
  tx: Executor,
  squadId: string,
  config: Record<string, unknown>,
): Promise<AgentRow | null> {
  const members = await activeMembers(tx, squadId)
  if (teamWorkflowOf(config).team)
    return members.find((m) => m.role.toLowerCase() === 'lead' && canPlanAndReview(m)) ?? null
  const implementers = members.filter((m) => !reviewerRoles.includes(m.role.toLowerCase()))
  return implementers.length === 1 ? (implementers[0] ?? null) : null
}

/**
 * A forge issue given the squad's label becomes a task in To do, linked to it (its pull request
 * then says `Closes #n`), and starts at once when the start rule names an agent. One task per
 * issue: labeling it again, or again after removing the label, finds the task it already has.
 * The caller holds the squad's row lock.
 */
export async function createIssueTask(
  tx: Executor,
  options: {
    squad: { id: string; config: Record<string, unknown> }
    repositoryId: string
    issue: { number: number; title: string; body: string; url: string }
  },
): Promise<{ events: NewEvent[]; outcome: string }> {
  const { squad, repositoryId, issue } = options
  const linked = { repository_id: repositoryId, number: issue.number }
  const [existing] = await tx
    .select({ number: tasks.number })
    .from(tasks)
    .where(and(eq(tasks.squadId, squad.id), sql`${tasks.linkedIssue} @> ${JSON.stringify(linked)}::jsonb`))
  if (existing)
    return { events: [], outcome: `ignored: issue #${issue.number} already has task #${existing.number}` }
  const [counter] = await tx
    .update(squads)
    .set({ taskCounter: sql`${squads.taskCounter} + 1` })
    .where(eq(squads.id, squad.id))
    .returning({ number: squads.taskCounter })
  if (!counter) throw new Error(`squad ${squad.id} is gone`)
  const assignee = await assigneeOf(tx, squad.id, squad.config)
  const body = issue.body.trim()
  const [row] = await tx
    .insert(tasks)
    .values({
      id: newId(),
      squadId: squad.id,
      number: counter.number,
      title: issue.title.trim().slice(0, 300) || `Issue #${issue.number}`,
      description: `${body ? `${body}\n\n` : ''}From issue #${issue.number}: ${issue.url}`,
      status: 'todo',
      position: await columnLength(tx, { squadId: squad.id, status: 'todo' }),
      repositoryId,
      assigneeId: assignee?.id ?? null,
      linkedIssue: { ...linked, url: issue.url },
    })
    .returning()
  if (!row) throw new Error('insert returned no row')
  const events: NewEvent[] = [
    { type: 'task.created', squadId: squad.id, taskId: row.id, payload: toTaskDto(row) },
  ]
  if (!assignee) return { events, outcome: `task #${row.number} created in To do (no agent to start it)` }
  const runReason = await chooseRunReason(tx, { task: row, agent: assignee, squadConfig: squad.config })
  const queued = await queueExecution(tx, {
    task: row,
    agentId: assignee.id,
    ...(runReason ? { runReason } : {}),
  })
  events.push(...queued.events)
  return { events, outcome: `task #${row.number} created and started (${assignee.name})` }
}
