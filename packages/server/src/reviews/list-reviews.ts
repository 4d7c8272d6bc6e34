import type { Review } from '@agent-squad/contract'
import { asc, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Db } from '../db/database.ts'
import { reviews } from '../db/schema.ts'
import { findOwnedTask } from '../tasks/find-owned-task.ts'
import { toReviewDto } from './review-dto.ts'

/** A task's reviews, oldest first (a task has a handful; no paging needed). */
export async function listReviews(options: { db: Db; user: AuthUser; taskId: string }): Promise<Review[]> {
  const task = await findOwnedTask(options.db, options.user, options.taskId)
  const rows = await options.db
    .select()
    .from(reviews)
    .where(eq(reviews.taskId, task.id))
    .orderBy(asc(reviews.createdAt), asc(reviews.round))
  return rows.map(toReviewDto)
}
