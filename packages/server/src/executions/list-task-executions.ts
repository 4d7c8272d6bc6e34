import type { Execution, ListQuery, Page } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { taskExecutions } from '../db/schema.ts'
import { findOwnedTask } from '../tasks/find-owned-task.ts'
import { pageOfExecutions } from './execution-page.ts'

/** A task's executions, newest first: the latest attempt is what a client shows. */
export async function listTaskExecutions(options: {
  db: Executor
  user: AuthUser
  taskId: string
  query: ListQuery
}): Promise<Page<Execution>> {
  const { db, user, taskId, query } = options
  await findOwnedTask(db, user, taskId)
  return pageOfExecutions(db, eq(taskExecutions.taskId, taskId), query)
}
