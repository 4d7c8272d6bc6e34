import { z } from 'zod'
import { hasControlCharacters, Id, Timestamp, trimmed } from './common.ts'

/** The board's columns, in display order. A task's `status` is the column it sits in. */
export const taskStatuses = [
  'backlog',
  'todo',
  'in_progress',
  'in_review',
  'done',
  'failed',
  'cancelled',
] as const
export const TaskStatus = z.enum(taskStatuses)
export type TaskStatus = z.infer<typeof TaskStatus>

export const taskPriorities = ['low', 'medium', 'high', 'urgent'] as const
export const TaskPriority = z.enum(taskPriorities)
export type TaskPriority = z.infer<typeof TaskPriority>

export const Label = z
  .string()
  .trim()
  .min(1)
  .max(50)
  .refine(
    (label) => !label.includes(',') && !hasControlCharacters(label),
    'must not contain commas or control characters',
  )

const Labels = z
  .array(Label)
  .max(20)
  .transform((labels) => [...new Set(labels)])

/** The forge issue a task was made from (GitHub: labeled with the squad's `issue_label`). */
export const LinkedIssue = z.object({
  repository_id: Id,
  number: z.number().int().positive(),
  url: z.string(),
})
export type LinkedIssue = z.infer<typeof LinkedIssue>

export const Task = z.object({
  id: Id,
  squad_id: Id,
  /** Short per-squad number: the board shows it as #n and the pipeline names the branch task-{n}. */
  number: z.number().int().positive(),
  title: z.string(),
  description: z.string(),
  status: TaskStatus,
  /** 0-based index within its column. */
  position: z.number().int().min(0),
  priority: TaskPriority,
  labels: z.array(z.string()),
  repository_id: Id.nullable(),
  assignee_id: Id.nullable(),
  parent_task_id: Id.nullable(),
  /**
   * Tasks that must be done (merged) before this one starts: a lead's plan orders subtasks this
   * way, and the workflow starts this one when the last of them is merged.
   */
  blocked_by: z.array(Id),
  script: z.string().nullable(),
  /**
   * The issue this task was made from; its pull request closes it (`Closes #n`). Null otherwise;
   * absent from events logged before it existed (a replayed stream still parses).
   */
  linked_issue: LinkedIssue.nullable().optional(),
  created_at: Timestamp,
  updated_at: Timestamp,
})
export type Task = z.infer<typeof Task>

export const CreateTaskBody = z.strictObject({
  title: trimmed(1, 300, 'Title'),
  description: z.string().max(100_000).default(''),
  status: TaskStatus.default('backlog'),
  priority: TaskPriority.default('medium'),
  labels: Labels.default([]),
  repository_id: Id.nullable().default(null),
  assignee_id: Id.nullable().default(null),
  parent_task_id: Id.nullable().default(null),
  script: z.string().max(100_000).nullable().default(null),
})
export type CreateTaskBody = z.infer<typeof CreateTaskBody>

/**
 * Changes fields and/or moves the task. `status` alone moves it to the end of that column;
 * `position` places it at that index (clamped to the column's length) and shifts its neighbours.
 */
export const UpdateTaskBody = z.strictObject({
  title: trimmed(1, 300, 'Title').optional(),
  description: z.string().max(100_000).optional(),
  status: TaskStatus.optional(),
  position: z.number().int().min(0).max(1_000_000).optional(),
  priority: TaskPriority.optional(),
  labels: Labels.optional(),
  repository_id: Id.nullable().optional(),
  assignee_id: Id.nullable().optional(),
  parent_task_id: Id.nullable().optional(),
  script: z.string().max(100_000).nullable().optional(),
})
export type UpdateTaskBody = z.infer<typeof UpdateTaskBody>

export const TaskListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
  status: TaskStatus.optional(),
  assignee_id: Id.optional(),
  label: Label.optional(),
  q: z.string().trim().max(200).optional(),
})
export type TaskListQuery = z.infer<typeof TaskListQuery>

/** One column of the board: its status and its tasks in position order. */
export const BoardColumn = z.object({ status: TaskStatus, tasks: z.array(Task) })
export type BoardColumn = z.infer<typeof BoardColumn>

/** The whole board of a squad: all seven columns, always in `taskStatuses` order, empty ones included. */
export const Board = z.object({ columns: z.array(BoardColumn) })
export type Board = z.infer<typeof Board>
