import type { ExecutionWithSteps } from '@agent-squad/contract'
import type { AuthUser } from '../auth/auth-user.ts'
import type { Executor } from '../db/database.ts'
import { toExecutionDto } from './execution-dto.ts'
import { findOwnedExecution } from './find-owned-execution.ts'
import { stepsOf } from './list-execution-steps.ts'
import { queuePosition } from './queue-position.ts'

/** One execution with its steps in pipeline order. */
export async function getExecution(options: {
  db: Executor
  user: AuthUser
  executionId: string
}): Promise<ExecutionWithSteps> {
  const { db, user, executionId } = options
  const execution = await findOwnedExecution(db, user, executionId)
  return {
    ...toExecutionDto(execution, await queuePosition(db, execution)),
    steps: await stepsOf(db, executionId),
  }
}
