import { Board, CreateTaskBody, Id, page, Task, TaskListQuery, UpdateTaskBody } from '@agent-squad/contract'
import { z } from 'zod'
import { createTask } from '../../tasks/create-task.ts'
import { deleteTask } from '../../tasks/delete-task.ts'
import { findOwnedTask } from '../../tasks/find-owned-task.ts'
import { listTasks } from '../../tasks/list-tasks.ts'
import { toTaskDto } from '../../tasks/task-dto.ts'
import { updateTask } from '../../tasks/update-task.ts'
import { defineRoute } from '../route.ts'

const IdParams = z.object({ id: Id })
const tag = 'tasks'

export const taskRoutes = [
  defineRoute({
    method: 'get',
    path: '/squads/:id/tasks',
    tag,
    summary: "List a squad's tasks",
    description:
      'Paged by id. Filters: `status`, `assignee_id`, `label`, `q` (substring of title or description).',
    params: IdParams,
    query: TaskListQuery,
    response: page(Task),
    handler: ({ deps, user, params, query }) =>
      listTasks({ db: deps.database.db, user, squadId: params.id, query }),
  }),
  defineRoute({
    method: 'post',
    path: '/squads/:id/tasks',
    tag,
    summary: 'Create a task at the end of its column',
    params: IdParams,
    body: CreateTaskBody,
    status: 201,
    response: Task,
    handler: ({ deps, user, params, body }) =>
      createTask({ db: deps.database.db, user, squadId: params.id, input: body }),
  }),
  defineRoute({
    method: 'get',
    path: '/squads/:id/board',
    tag,
    summary: "A squad's board: all seven columns in order, tasks by position",
    params: IdParams,
    response: Board,
    description:
      'Answers with an ETag (the board version); send it back as If-None-Match to get 304 when nothing changed.',
    handler: async ({ deps, user, params, c }) => {
      const board = await deps.boardCache.read(deps.database.db, user, params.id)
      const headers = { etag: board.etag, 'cache-control': 'no-cache' }
      if (c.req.header('if-none-match') === board.etag) return c.body(null, 304, headers)
      return c.body(await board.json(), 200, { ...headers, 'content-type': 'application/json' })
    },
  }),
  defineRoute({
    method: 'get',
    path: '/tasks/:id',
    tag,
    summary: 'Get a task',
    params: IdParams,
    response: Task,
    handler: async ({ deps, user, params }) =>
      toTaskDto(await findOwnedTask(deps.database.db, user, params.id)),
  }),
  defineRoute({
    method: 'patch',
    path: '/tasks/:id',
    tag,
    summary: 'Change a task and/or move it on the board',
    description:
      '`status` alone (a different column) moves the task to the end of that column; `position` places it ' +
      'at that 0-based index of the (new) column, clamped to its length, and shifts the neighbours. ' +
      'A move emits `task.moved`, other changes `task.updated`.',
    params: IdParams,
    body: UpdateTaskBody,
    response: Task,
    handler: ({ deps, user, params, body }) =>
      updateTask({ db: deps.database.db, user, taskId: params.id, input: body }),
  }),
  defineRoute({
    method: 'delete',
    path: '/tasks/:id',
    tag,
    summary: 'Delete a task and close the gap in its column',
    params: IdParams,
    status: 204,
    handler: async ({ deps, user, params }) => {
      await deleteTask({ db: deps.database.db, user, taskId: params.id })
      return undefined
    },
  }),
]
