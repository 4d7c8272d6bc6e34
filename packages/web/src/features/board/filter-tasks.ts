import type { Task, TaskPriority } from '@agent-squad/contract'

export type BoardFilter = { q: string; label: string; assignee: string; priority: TaskPriority | '' }
export const noFilter: BoardFilter = { q: '', label: '', assignee: '', priority: '' }

export const isFiltering = (f: BoardFilter) => Boolean(f.q.trim() || f.label || f.assignee || f.priority)

/** Search (#number, title, description) and the label, assignee and priority filters. */
export function matches(task: Task, filter: BoardFilter): boolean {
  if (filter.label && !task.labels.includes(filter.label)) return false
  if (filter.priority && task.priority !== filter.priority) return false
  if (
    filter.assignee === 'none'
      ? task.assignee_id !== null
      : filter.assignee && task.assignee_id !== filter.assignee
  )
    return false
  const q = filter.q.trim().toLowerCase()
  if (!q) return true
  if (q.startsWith('#')) return String(task.number) === q.slice(1)
  return task.title.toLowerCase().includes(q) || task.description.toLowerCase().includes(q)
}
