import type { Page, Task, TaskListQuery } from '@agent-squad/contract'
import { and, asc, eq, gt, ilike, or, sql } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { decodeCursor, toPage } from '../db/pagination.ts'
import { tasks } from '../db/schema.ts'
import { findOwnedSquad } from '../squads/find-owned-squad.ts'
import { toTaskDto } from './task-dto.ts'

/** `q` is a plain substring, not a pattern: escape LIKE's wildcards and its escape character. */
export const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`

/** A squad's tasks in id (creation) order, filtered, one page at a time. */
export async function listTasks(options: {
  db: Executor
  user: AuthUser
  squadId: string
  query: TaskListQuery
}): Promise<Page<Task>> {
  const { db, user, squadId, query } = options
  await findOwnedSquad(db, user, squadId)
  const after = decodeCursor(query.cursor)
  const pattern = query.q ? likePattern(query.q) : null
  const rows = await db
    .select()
    .from(tasks)
    .where(
      and(
        eq(tasks.squadId, squadId),
        after ? gt(tasks.id, after) : undefined,
        query.status ? eq(tasks.status, query.status) : undefined,
        query.assignee_id ? eq(tasks.assigneeId, query.assignee_id) : undefined,
        query.label ? sql`${tasks.labels} @> ${JSON.stringify([query.label])}::jsonb` : undefined,
        pattern ? or(ilike(tasks.title, pattern), ilike(tasks.description, pattern)) : undefined,
      ),
    )
    .orderBy(asc(tasks.id))
    .limit(query.limit + 1)
  return toPage(rows, query.limit, toTaskDto)
}
