import { type Task, type TaskPriority, taskPriorities } from '@agent-squad/contract'

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

/** The filter a board URL carries (`?q=…&label=…&assignee=…&priority=…`); unknown values are ignored. */
export function filterFromSearch(params: URLSearchParams): BoardFilter {
  const priority = params.get('priority') ?? ''
  return {
    q: params.get('q') ?? '',
    label: params.get('label') ?? '',
    assignee: params.get('assignee') ?? '',
    priority: (taskPriorities as readonly string[]).includes(priority) ? (priority as TaskPriority) : '',
  }
}

/** The search part of a board URL for `filter`: only the fields in use, so an unfiltered board has none. */
export function searchOfFilter(filter: BoardFilter): URLSearchParams {
  const params = new URLSearchParams()
  for (const key of ['q', 'label', 'assignee', 'priority'] as const)
    if (filter[key]) params.set(key, filter[key])
  return params
}
