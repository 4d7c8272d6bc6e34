import { type Board, type TaskStatus, taskStatuses } from '@agent-squad/contract'
import type { Announcements, KeyboardCoordinateGetter, UniqueIdentifier } from '@dnd-kit/core'
import { sortableKeyboardCoordinates } from '@dnd-kit/sortable'
import { findTask, indexOfTask } from '../../shared/api/board-cache.ts'

export const columnTitles: Record<TaskStatus, string> = {
  backlog: 'Backlog',
  todo: 'To do',
  in_progress: 'In progress',
  in_review: 'In review',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
}

const COLUMN_PREFIX = 'column:'
export const columnDropId = (status: TaskStatus) => `${COLUMN_PREFIX}${status}`
const statusOfDropId = (id: string) =>
  id.startsWith(COLUMN_PREFIX) ? (id.slice(COLUMN_PREFIX.length) as TaskStatus) : null

export type Drop = { taskId: string; status: TaskStatus; index: number }

/**
 * Where a dragged task lands: on a card, at that card's place in the full column (filters may hide
 * some cards, so the index is taken from the board, not from what is shown); on a column's empty
 * space, at its end. Null when it would not move.
 */
export function resolveDrop(board: Board, taskId: string, overId: string | null): Drop | null {
  if (!overId || overId === taskId) return null
  const from = indexOfTask(board, taskId)
  if (!from) return null
  const columnStatus = statusOfDropId(overId)
  let drop: Drop
  if (columnStatus) {
    const length = board.columns.find((c) => c.status === columnStatus)?.tasks.length ?? 0
    drop = { taskId, status: columnStatus, index: columnStatus === from.status ? length - 1 : length }
  } else {
    const over = indexOfTask(board, overId)
    if (!over) return null
    drop = { taskId, status: over.status, index: over.index }
  }
  return drop.status === from.status && drop.index === from.index ? null : drop
}

/** The column a drag is over (a card counts as its column). */
export function statusUnder(board: Board, overId: string | null): TaskStatus | null {
  if (!overId) return null
  return statusOfDropId(overId) ?? indexOfTask(board, overId)?.status ?? null
}

/** What a screen reader hears while a task is dragged with the keyboard. */
export function boardAnnouncements(getBoard: () => Board | undefined): Announcements {
  const name = (id: string | number) => {
    const task = getBoard() && findTask(getBoard() as Board, String(id))
    return task ? `task #${task.number} ${task.title}` : 'task'
  }
  const place = (overId: string | number | undefined) => {
    const board = getBoard()
    const status = board && overId !== undefined ? statusUnder(board, String(overId)) : null
    return status ? columnTitles[status] : 'no column'
  }
  return {
    onDragStart: ({ active }) =>
      `Picked up ${name(active.id)}. Use the arrow keys to move, space to drop, escape to cancel.`,
    onDragOver: ({ active, over }) => `${name(active.id)} is over ${place(over?.id)}.`,
    onDragEnd: ({ active, over }) =>
      over ? `Dropped ${name(active.id)} in ${place(over.id)}.` : `Dropped ${name(active.id)}.`,
    onDragCancel: ({ active }) => `Cancelled. ${name(active.id)} is back where it was.`,
  }
}

/**
 * Where the keyboard takes a dragged card. Up and down move it within its column (dnd-kit's
 * sortable rules); left and right move it to the top of the next column, by the board's order of
 * columns rather than by measured rectangles. Measuring misled: the tilted drag preview reaches a
 * few pixels further left than the card, so the card's own column counted as "to the right" and
 * the first press only took it to the top of that column.
 */
export const boardKeyboardCoordinates: KeyboardCoordinateGetter = (event, args) => {
  const step = event.code === 'ArrowRight' ? 1 : event.code === 'ArrowLeft' ? -1 : 0
  if (!step) return sortableKeyboardCoordinates(event, args)
  event.preventDefault()
  const { active, over, droppableContainers, droppableRects } = args.context
  const columnOf = (id: UniqueIdentifier | undefined): TaskStatus | null => {
    if (id === undefined) return null
    const sortable = droppableContainers.get(id)?.data.current?.sortable as
      | { containerId?: string }
      | undefined
    return statusOfDropId(String(id)) ?? (sortable?.containerId as TaskStatus | undefined) ?? null
  }
  const here = columnOf(over?.id) ?? columnOf(active?.id)
  if (!here) return undefined
  const next = taskStatuses[taskStatuses.indexOf(here) + step]
  const target = next ? droppableRects.get(columnDropId(next)) : undefined
  if (!target) return undefined
  // Just inside the column's list: the closest droppable is its first card, or the empty list.
  return { x: target.left + 4, y: target.top + 4 }
}
