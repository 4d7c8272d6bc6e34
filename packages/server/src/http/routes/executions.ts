import { Execution, ExecutionStep, ExecutionWithSteps, Id, ListQuery, page } from '@agent-squad/contract'
import { z } from 'zod'
import { getExecution } from '../../executions/get-execution.ts'
import { listExecutionSteps } from '../../executions/list-execution-steps.ts'
import { listTaskExecutions } from '../../executions/list-task-executions.ts'
import { defineRoute } from '../route.ts'

const IdParams = z.object({ id: Id })
const tag = 'executions'

// Read side only: starting and cancelling executions arrive with the pipeline.
export const executionRoutes = [
  defineRoute({
    method: 'get',
    path: '/tasks/:id/executions',
    tag,
    summary: "List a task's executions, newest first",
    description: '`next_cursor` leads to older executions.',
    params: IdParams,
    query: ListQuery,
    response: page(Execution),
    handler: ({ deps, user, params, query }) =>
      listTaskExecutions({ db: deps.database.db, user, taskId: params.id, query }),
  }),
  defineRoute({
    method: 'get',
    path: '/executions/:id',
    tag,
    summary: 'Get an execution with its steps',
    params: IdParams,
    response: ExecutionWithSteps,
    handler: ({ deps, user, params }) => getExecution({ db: deps.database.db, user, executionId: params.id }),
  }),
  defineRoute({
    method: 'get',
    path: '/executions/:id/steps',
    tag,
    summary: "An execution's steps in pipeline order",
    params: IdParams,
    response: z.object({ items: z.array(ExecutionStep), next_cursor: z.null() }),
    handler: async ({ deps, user, params }) => ({
      items: await listExecutionSteps({ db: deps.database.db, user, executionId: params.id }),
      next_cursor: null,
    }),
  }),
]
