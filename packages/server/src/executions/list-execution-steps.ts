import type { ExecutionStep } from '@agent-squad/contract'
import { asc, eq } from 'drizzle-orm'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { executionSteps } from '../db/schema.ts'
import { toStepDto } from './execution-dto.ts'
import { findOwnedExecution } from './find-owned-execution.ts'

/** Steps of one execution in pipeline order (`seq`). A pipeline has a handful, so there is no paging. */
export async function listExecutionSteps(options: {
  db: Executor
  user: AuthUser
  executionId: string
}): Promise<ExecutionStep[]> {
  const { db, user, executionId } = options
  await findOwnedExecution(db, user, executionId)
  return stepsOf(db, executionId)
}

/** Without an ownership check: for callers that have already done it. */
export async function stepsOf(db: Executor, executionId: string): Promise<ExecutionStep[]> {
  const rows = await db
    .select()
    .from(executionSteps)
    .where(eq(executionSteps.executionId, executionId))
    .orderBy(asc(executionSteps.seq), asc(executionSteps.id))
  return rows.map(toStepDto)
}
