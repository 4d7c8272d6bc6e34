import {
  Execution,
  ExecutionStep,
  ExecutionWithSteps,
  Id,
  ListQuery,
  page,
  StartExecutionBody,
} from '@agent-squad/contract'
import { z } from 'zod'
import { cancelExecution } from '../../executions/cancel-execution.ts'
import { getExecution } from '../../executions/get-execution.ts'
import { listExecutionSteps } from '../../executions/list-execution-steps.ts'
import { listSquadExecutions } from '../../executions/list-squad-executions.ts'
import { listTaskExecutions } from '../../executions/list-task-executions.ts'
import { startExecution } from '../../executions/start-execution.ts'
import { defineRoute } from '../route.ts'

const IdParams = z.object({ id: Id })
const tag = 'executions'

export const executionRoutes = [
  defineRoute({
    method: 'post',
    path: '/tasks/:id/executions',
    tag,
    summary: 'Start the task: queue a new execution',
    description:
      'Answers 202 at once; the execution waits in the queue (see `queue_position`) until a worker runs it. ' +
      '409 when the task already has one queued or running; 422 when its repository has nothing to start ' +
      'from (no commits, or no default branch: on disk for a local one, at its last check for a remote one).',
    params: IdParams,
    body: StartExecutionBody,
    bodyOptional: true,
    status: 202,
    response: Execution,
    handler: ({ deps, user, params, body }) =>
      startExecution({
        db: deps.database.db,
        user,
        taskId: params.id,
        input: body,
        localForge: deps.localForge,
      }),
  }),
  defineRoute({
    method: 'post',
    path: '/executions/:id/cancel',
    tag,
    summary: 'Cancel an execution',
    description:
      'A queued execution is cancelled at once; a running one stops its processes, saves unpushed work as a ' +
      'patch and cleans up (watch `execution.updated`). Cancelling a finished execution changes nothing.',
    params: IdParams,
    status: 202,
    response: Execution,
    handler: ({ deps, user, params }) =>
      cancelExecution({ db: deps.database.db, user, executionId: params.id }),
  }),
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
    path: '/squads/:id/executions',
    tag,
    summary: "List a squad's executions across its tasks, newest first",
    description: '`next_cursor` leads to older executions.',
    params: IdParams,
    query: ListQuery,
    response: page(Execution),
    handler: ({ deps, user, params, query }) =>
      listSquadExecutions({ db: deps.database.db, user, squadId: params.id, query }),
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
