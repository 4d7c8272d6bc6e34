import type { Board, BoardColumn, Task } from '@agent-squad/contract'
import { useMemo, useRef } from 'react'
import { type BoardFilter, isFiltering, matches } from './filter-tasks.ts'

/**
 * Each column's visible tasks. A column whose tasks did not change keeps the very same array, so
 * its (memoised) component skips rendering when another column changes: a live move re-renders
 * two columns, not the board.
 */
export function useFilteredColumns(
  board: Board,
  filter: BoardFilter,
): { column: BoardColumn; shown: Task[] }[] {
  const cache = useRef(new WeakMap<Task[], Task[]>())
  const lastFilter = useRef(filter)
  if (lastFilter.current !== filter) {
    cache.current = new WeakMap()
    lastFilter.current = filter
  }
  return useMemo(
    () =>
      board.columns.map((column) => {
        if (!isFiltering(filter)) return { column, shown: column.tasks }
        let shown = cache.current.get(column.tasks)
        if (!shown) {
          shown = column.tasks.filter((t) => matches(t, filter))
          cache.current.set(column.tasks, shown)
        }
        return { column, shown }
      }),
    [board, filter],
  )
}
