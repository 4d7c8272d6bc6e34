import { eq, sql } from 'drizzle-orm'
import type { AgentPlan } from '../agents/runtime/agent-runtime.ts'
import type { Executor } from '../db/database.ts'
import { squads, tasks } from '../db/schema.ts'
import { newId } from '../domain/ids.ts'
import type { NewEvent } from '../events/append-event.ts'
import { queueExecution } from '../executions/queue-execution.ts'
import { columnLength } from '../tasks/board-position.ts'
import type { TaskRow } from '../tasks/find-owned-task.ts'
import { toTaskDto } from '../tasks/task-dto.ts'
import { type AgentRow, activeMembers } from './squad-workflow.ts'

/** Spreads a role's subtasks over its members in turn, starting with the least busy. */
function assigner(members: AgentRow[], busy: Map<string, number>) {
  const turns = new Map<string, number>()
  return (role: string): AgentRow | null => {
    const holders = members
      .filter((m) => m.role.toLowerCase() === role.toLowerCase())
      .sort((a, b) => (busy.get(a.id) ?? 0) - (busy.get(b.id) ?? 0))
    if (!holders.length) return null
    const turn = turns.get(role) ?? 0
    turns.set(role, turn + 1)
    return holders[turn % holders.length] ?? null
  }
}

/**
 * Puts the lead's plan on the board: one subtask per item (parent set, same repository, labels and
 * priority), assigned to a member of the named role, and queued at once, so specialists work in
 * parallel, each on its own branch; a subtask the plan put after others waits until they are
 * merged. In a chain, each waits for the one before it and all work on the parent's branch. The
 * caller holds the squad's row lock.
 */
export async function createSubtasks(
  tx: Executor,
  parent: TaskRow,
  plan: AgentPlan,
  plannerId: string | null,
  options: { chain: boolean } = { chain: false },
): Promise<{ events: NewEvent[]; created: number }> {
  const members = (await activeMembers(tx, parent.squadId)).filter((m) => m.id !== plannerId)
  const open = await tx
    .select({ assigneeId: tasks.assigneeId, n: sql<number>`count(*)::int` })
    .from(tasks)
    .where(sql`${tasks.squadId} = ${parent.squadId} and ${tasks.status} = 'in_progress'`)
    .groupBy(tasks.assigneeId)
  const pick = assigner(members, new Map(open.map((o) => [o.assigneeId ?? '', o.n])))
  const events: NewEvent[] = []
  const ids: string[] = []
  for (const item of plan.subtasks) {
    const assignee = pick(item.role)
    const [counter] = await tx
      .update(squads)
      .set({ taskCounter: sql`${squads.taskCounter} + 1` })
      .where(eq(squads.id, parent.squadId))
      .returning({ number: squads.taskCounter })
    if (!counter) throw new Error(`squad ${parent.squadId} is gone`)
    const [row] = await tx
      .insert(tasks)
      .values({
        id: newId(),
        squadId: parent.squadId,
        number: counter.number,
        title: item.title,
        description: `${item.description}\n\nPart of #${parent.number}: ${parent.title}`,
        status: 'todo',
        position: await columnLength(tx, { squadId: parent.squadId, status: 'todo' }),
        priority: parent.priority,
        labels: parent.labels,
        repositoryId: parent.repositoryId,
        assigneeId: assignee?.id ?? null,
        parentTaskId: parent.id,
        // The plan's order: `after` names earlier subtasks, whose ids are already known. A chain
        // hands the work on: each subtask waits for the one before it.
        blockedBy: options.chain
          ? ids.slice(-1)
          : item.after.flatMap((n) => (ids[n - 1] ? [ids[n - 1] as string] : [])),
      })
      .returning()
    if (!row) throw new Error('insert returned no row')
    ids.push(row.id)
    events.push({ type: 'task.created', squadId: row.squadId, taskId: row.id, payload: toTaskDto(row) })
    // A role nobody holds (the squad changed since planning) leaves the subtask waiting on the
    // board; one that waits for others starts when they are merged (see start-unblocked.ts).
    if (assignee && !row.blockedBy.length)
      events.push(...(await queueExecution(tx, { task: row, agentId: assignee.id })).events)
  }
  return { events, created: ids.length }
}
