import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { squadMembers, tasks } from '../db/schema.ts'
import { appendEvents } from '../events/append-event.ts'
import { toTaskDto } from '../tasks/task-dto.ts'
import { findOwnedAgent } from './find-owned-agent.ts'

/**
 * Removes an agent from its squad. Its tasks become unassigned (each with a `task.updated`), and its
 * past executions stay with `agent_id` null (ON DELETE SET NULL).
 */
export async function deleteAgent(options: { db: Db; user: AuthUser; agentId: string }): Promise<void> {
  const { db, user, agentId } = options
  await db.transaction(async (tx) => {
    const agent = await findOwnedAgent(tx, user, agentId, { lock: true })
    // Unassign here rather than leave it to ON DELETE SET NULL, so each task's change reaches the board.
    const unassigned = await tx
      .update(tasks)
      .set({ assigneeId: null, updatedAt: new Date() })
      .where(eq(tasks.assigneeId, agentId))
      .returning()
    await tx.delete(squadMembers).where(eq(squadMembers.id, agentId))
    await appendEvents(tx, [
      ...unassigned.map((row) => ({
        type: 'task.updated' as const,
        squadId: agent.squadId,
        taskId: row.id,
        payload: toTaskDto(row),
      })),
      { type: 'agent.deleted', squadId: agent.squadId, payload: { id: agentId } },
    ])
  })
}
