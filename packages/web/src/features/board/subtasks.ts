import type { Board, Task, TaskStatus } from '@agent-squad/contract'

/** How a card shows its place in a plan: its parent's number, or its own subtasks' progress. */
export type TaskFamily = {
  /** Subtask id → "#12", the parent's number ("a task" when the parent is not on the board). */
  parentOf: Map<string, string>
  /** Parent id → "3 subtasks · 1 in review · 1 done". */
  subtasksOf: Map<string, string>
  /** Task id → "#2, #3": what it waits for (blocked_by not yet done); it starts when they merge. */
  waitsFor: Map<string, string>
}

// Backlog and to-do are the starting point, so they are counted but not named.
const progress: readonly [TaskStatus, string][] = [
  ['in_progress', 'in progress'],
  ['in_review', 'in review'],
  ['done', 'done'],
  ['failed', 'failed'],
  ['cancelled', 'cancelled'],
]

/** "2 subtasks · 1 in review": how many there are and how far the ones under way have got. */
export function summarizeSubtasks(subtasks: readonly Pick<Task, 'status'>[]): string {
  const parts = [`${subtasks.length} subtask${subtasks.length === 1 ? '' : 's'}`]
  for (const [status, label] of progress) {
    const count = subtasks.filter((t) => t.status === status).length
    if (count) parts.push(`${count} ${label}`)
  }
  return parts.join(' · ')
}

/** Parents and subtasks across the whole board (not only the filtered cards: a parent counts all). */
export function familyOf(board: Board): TaskFamily {
  const tasks = board.columns.flatMap((c) => c.tasks)
  const byId = new Map(tasks.map((t) => [t.id, t]))
  const children = new Map<string, Task[]>()
  const parentOf = new Map<string, string>()
  for (const task of tasks) {
    if (!task.parent_task_id) continue
    const parent = byId.get(task.parent_task_id)
    parentOf.set(task.id, parent ? `#${parent.number}` : 'a task')
    children.set(task.parent_task_id, [...(children.get(task.parent_task_id) ?? []), task])
  }
  const subtasksOf = new Map([...children].map(([id, list]) => [id, summarizeSubtasks(list)]))
  const waitsFor = new Map<string, string>()
  for (const task of tasks) {
    const open = task.blocked_by
      .map((id) => byId.get(id))
      .filter((t): t is Task => t !== undefined && t.status !== 'done')
    if (open.length) waitsFor.set(task.id, open.map((t) => `#${t.number}`).join(', '))
  }
  return { parentOf, subtasksOf, waitsFor }
}
