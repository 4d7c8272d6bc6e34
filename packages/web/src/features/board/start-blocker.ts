import type { Task } from '@agent-squad/contract'

/**
 * Why a task cannot be started as it is stored, in the words the task dialog uses; null when it
 * can. The server refuses a start without a repository; the app refuses one without an assignee.
 */
export function startBlocker(task: Pick<Task, 'repository_id' | 'assignee_id'>): string | null {
  if (!task.repository_id) return 'Choose a repository and save the task to start it.'
  if (!task.assignee_id) return 'Assign an agent and save the task to start it.'
  return null
}
