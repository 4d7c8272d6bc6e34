import type { Task } from '@agent-squad/contract'

type Startable = Pick<Task, 'repository_id' | 'assignee_id'>

/** What a task lacks to be started; null when it can be. The server refuses a start without a repository. */
export function missingForStart(task: Startable): 'repository' | 'assignee' | null {
  if (!task.repository_id) return 'repository'
  if (!task.assignee_id) return 'assignee'
  return null
}

/** Why a task cannot be started as it is stored, in the words of the task dialog; null when it can. */
export function startBlocker(task: Startable): string | null {
  const missing = missingForStart(task)
  if (missing === 'repository') return 'Choose a repository and save the task to start it.'
  if (missing === 'assignee') return 'Assign an agent and save the task to start it.'
  return null
}
