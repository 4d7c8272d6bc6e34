import {
  type Agent,
  type Board,
  type Repository,
  type StreamEvent,
  type Task,
  type TaskStatus,
  taskStatuses,
} from '@agent-squad/contract'

export const squadId = '00000000-0000-7000-8000-00000000000a'
const uuid = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`

/** A task as the API returns it; `n` is its number and the source of its id. */
export const task = (n: number, status: TaskStatus, position: number, over: Partial<Task> = {}): Task => ({
  id: uuid(1000 + n),
  squad_id: squadId,
  number: n,
  title: `Task ${n}`,
  description: '',
  status,
  position,
  priority: 'medium',
  labels: [],
  repository_id: null,
  assignee_id: null,
  parent_task_id: null,
  blocked_by: [],
  script: null,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  ...over,
})

/** A board from `{ backlog: [1, 2], todo: [3] }` (task numbers per column). */
export const boardOf = (layout: Partial<Record<TaskStatus, number[]>>): Board => ({
  columns: taskStatuses.map((status) => ({
    status,
    tasks: (layout[status] ?? []).map((n, i) => task(n, status, i)),
  })),
})

/** Task numbers per non-empty column, to compare boards briefly. */
export const layoutOf = (board: Board) =>
  Object.fromEntries(
    board.columns.filter((c) => c.tasks.length).map((c) => [c.status, c.tasks.map((t) => t.number)]),
  )

let eventId = 100
export const taskEvent = (
  type: 'task.created' | 'task.updated' | 'task.moved' | 'task.deleted',
  t: Task,
  from?: { status: TaskStatus; position: number },
): StreamEvent => {
  const envelope = {
    id: eventId++,
    scope: 'task' as const,
    squad_id: squadId,
    task_id: t.id,
    execution_id: null,
    created_at: t.updated_at,
  }
  if (type === 'task.moved')
    return {
      ...envelope,
      type,
      payload: { task: t, from_status: from?.status ?? 'backlog', from_position: from?.position ?? 0 },
    }
  if (type === 'task.deleted') return { ...envelope, type, payload: { id: t.id } }
  return { ...envelope, type, payload: t }
}

export const later = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString()

/** An agent of the squad; `n` is the source of its id. */
export const agent = (n: number, over: Partial<Agent> = {}): Agent => ({
  id: uuid(2000 + n),
  squad_id: squadId,
  name: `Agent ${n}`,
  role: 'backend',
  specialization: '',
  llm_provider: 'script',
  llm_model: '',
  system_prompt: '',
  config: {},
  is_active: true,
  sandbox_id: null,
  current_task_id: null,
  git_context: {},
  created_at: later(0),
  updated_at: later(0),
  ...over,
})

/** A repository on the local forge; `n` is the source of its id. */
export const localRepository = (n: number, name: string): Repository => ({
  id: uuid(3000 + n),
  squad_id: squadId,
  name,
  kind: 'local',
  url: null,
  clone_url: `http://127.0.0.1/git/${squadId}/${name}.git`,
  default_branch: 'main',
  credential_secret: null,
  github: null,
  check: null,
  created_at: later(0),
  updated_at: later(0),
})
