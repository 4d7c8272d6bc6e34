import { describe, expect, it } from 'vitest'
import { resolveDrop } from '../src/features/board/board-dnd.ts'
import { applyTaskEvents, moveTask } from '../src/shared/api/board-cache.ts'
import { boardOf, later, layoutOf, task, taskEvent } from './helpers/fixtures.ts'

describe('board cache', () => {
  it('moves a task between columns and shifts its neighbours', () => {
    const board = boardOf({ backlog: [1, 2, 3], todo: [4, 5] })
    const moved = moveTask(board, task(2, 'backlog', 1).id, 'todo', 1)
    expect(layoutOf(moved)).toEqual({ backlog: [1, 3], todo: [4, 2, 5] })
  })

  it('reorders within a column', () => {
    const board = boardOf({ todo: [1, 2, 3, 4] })
    expect(layoutOf(moveTask(board, task(1, 'todo', 0).id, 'todo', 3))).toEqual({ todo: [2, 3, 4, 1] })
    expect(layoutOf(moveTask(board, task(4, 'todo', 3).id, 'todo', 0))).toEqual({ todo: [4, 1, 2, 3] })
  })

  it('applies live events: created, moved (clamped to the column), updated, deleted', () => {
    let board = boardOf({ backlog: [1, 2] })
    board = applyTaskEvents(board, [
      taskEvent('task.created', task(3, 'backlog', 2, { updated_at: later(1) })),
      taskEvent('task.moved', task(1, 'in_progress', 9, { updated_at: later(2) }), {
        status: 'backlog',
        position: 0,
      }),
      taskEvent('task.updated', task(2, 'backlog', 0, { title: 'Renamed', updated_at: later(3) })),
    ])
    expect(layoutOf(board)).toEqual({ backlog: [2, 3], in_progress: [1] })
    expect(board.columns[0]?.tasks[0]?.title).toBe('Renamed')
    board = applyTaskEvents(board, [taskEvent('task.deleted', task(2, 'backlog', 0))])
    expect(layoutOf(board)).toEqual({ backlog: [3], in_progress: [1] })
  })

  it('ignores replayed events older than the board it lands on', () => {
    const fresh = boardOf({ done: [1] })
    const done = fresh.columns.find((c) => c.status === 'done')?.tasks[0]
    if (done) done.updated_at = later(10)
    const replay = [
      taskEvent('task.created', task(1, 'backlog', 0, { updated_at: later(1) })),
      taskEvent('task.moved', task(1, 'todo', 0, { updated_at: later(2) })),
    ]
    expect(applyTaskEvents(fresh, replay)).toBe(fresh)
  })

  it('ends at the server state whatever the board was when a replay began', () => {
    const events = [
      taskEvent('task.created', task(1, 'backlog', 0, { updated_at: later(1) })),
      taskEvent('task.created', task(2, 'backlog', 1, { updated_at: later(2) })),
      taskEvent('task.moved', task(2, 'backlog', 0, { updated_at: later(3) })),
      taskEvent('task.moved', task(1, 'todo', 0, { updated_at: later(4) })),
    ]
    const fromEmpty = applyTaskEvents(boardOf({}), events)
    const fromMiddle = applyTaskEvents(applyTaskEvents(boardOf({}), events.slice(0, 2)), events)
    expect(layoutOf(fromEmpty)).toEqual({ backlog: [2], todo: [1] })
    expect(layoutOf(fromMiddle)).toEqual(layoutOf(fromEmpty))
  })
})

describe('resolveDrop', () => {
  const board = boardOf({ backlog: [1, 2, 3], todo: [4] })
  const id = (n: number) => task(n, 'backlog', 0).id

  it('drops onto a card: that card’s index in its column', () => {
    expect(resolveDrop(board, id(1), id(4))).toEqual({ taskId: id(1), status: 'todo', index: 0 })
    expect(resolveDrop(board, id(1), id(3))).toEqual({ taskId: id(1), status: 'backlog', index: 2 })
  })

  it('drops onto a column’s empty space: its end', () => {
    expect(resolveDrop(board, id(2), 'column:todo')).toEqual({ taskId: id(2), status: 'todo', index: 1 })
    expect(resolveDrop(board, id(1), 'column:backlog')).toEqual({
      taskId: id(1),
      status: 'backlog',
      index: 2,
    })
  })

  it('answers null when nothing would move', () => {
    expect(resolveDrop(board, id(3), 'column:backlog')).toBeNull()
    expect(resolveDrop(board, id(1), id(1))).toBeNull()
    expect(resolveDrop(board, id(1), null)).toBeNull()
  })
})
