import type { Task } from '@agent-squad/contract'
import type { TaskRow } from './find-owned-task.ts'

export const toTaskDto = (row: TaskRow): Task => ({
  id: row.id,
  squad_id: row.squadId,
  number: row.number,
  title: row.title,
  description: row.description,
  status: row.status as Task['status'],
  position: row.position,
  priority: row.priority as Task['priority'],
  labels: row.labels,
  repository_id: row.repositoryId,
  assignee_id: row.assigneeId,
  parent_task_id: row.parentTaskId,
  blocked_by: row.blockedBy,
  linked_issue: row.linkedIssue ?? null,
  script: row.script,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
})
