import type { Board, StreamEvent, Task, TaskStatus } from '@agent-squad/contract'

/**
 * The board as the cache holds it. The order of each column's array is the truth; a task's own
 * `position` is where the server put it when it last changed, and is only read when placing it.
 */
export const findTask = (board: Board, id: string): Task | undefined => {
  for (const column of board.columns) {
    const task = column.tasks.find((t) => t.id === id)
    if (task) return task
  }
  return undefined
}

export const indexOfTask = (board: Board, id: string): { status: TaskStatus; index: number } | null => {
  for (const column of board.columns) {
    const index = column.tasks.findIndex((t) => t.id === id)
    if (index >= 0) return { status: column.status, index }
  }
  return null
}

export function removeTask(board: Board, id: string): Board {
  const where = indexOfTask(board, id)
  if (!where) return board
  return {
    columns: board.columns.map((c) =>
      c.status === where.status ? { ...c, tasks: c.tasks.filter((t) => t.id !== id) } : c,
    ),
  }
}

/** Puts the task into the column of its status at its position (clamped), wherever it was before. */
export function placeTask(board: Board, task: Task): Board {
  const without = removeTask(board, task.id)
  return {
    columns: without.columns.map((c) => {
      if (c.status !== task.status) return c
      const tasks = [...c.tasks]
      tasks.splice(Math.min(task.position, tasks.length), 0, task)
      return { ...c, tasks }
    }),
  }
}

/** The optimistic half of a drag: the task moves to `index` of the `status` column. */
export function moveTask(board: Board, id: string, status: TaskStatus, index: number): Board {
  const task = findTask(board, id)
  if (!task) return board
  return placeTask(board, { ...task, status, position: index })
}

// Equal times mean the same state: keeping the cached object lets every unchanged card skip rendering.
const isNewer = (cached: Task | undefined, incoming: Task) =>
  !cached || Date.parse(incoming.updated_at) > Date.parse(cached.updated_at)

/**
 * Applies task events from the squad's stream. Events can be older than the board they land on (the
 * stream replays history after the board was fetched), so a task's event is applied only when it is
 * newer than the cached task; the result is the server's board whatever the order of arrival.
 */
export function applyTaskEvents(board: Board, events: readonly StreamEvent[]): Board {
  let next = board
  for (const event of events) {
    switch (event.type) {
      case 'task.created':
      case 'task.updated':
        if (isNewer(findTask(next, event.payload.id), event.payload)) next = placeTask(next, event.payload)
        break
      case 'task.moved':
        if (isNewer(findTask(next, event.payload.task.id), event.payload.task))
          next = placeTask(next, event.payload.task)
        break
      case 'task.deleted':
        next = removeTask(next, event.payload.id)
        break
      default:
        break
    }
  }
  return next
}

export const emptyBoard = (statuses: readonly TaskStatus[]): Board => ({
  columns: statuses.map((status) => ({ status, tasks: [] })),
})
