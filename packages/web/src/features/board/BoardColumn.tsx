import type { Task, TaskStatus } from '@agent-squad/contract'
import { useDroppable } from '@dnd-kit/core'
import { SortableContext, verticalListSortingStrategy } from '@dnd-kit/sortable'
import { memo, startTransition, useEffect, useMemo, useState } from 'react'
import { columnDropId, columnTitles } from './board-dnd.ts'
import { type CardContext, TaskCard } from './TaskCard.tsx'

type ColumnProps = {
  status: TaskStatus
  tasks: Task[]
  total: number
  highlighted: boolean
  context: (task: Task) => CardContext
  onOpen: (task: Task) => void
  onAdd: (status: TaskStatus) => void
}

/** Cards mounted at once; a long column fills in over the next frames, so no frame gets long. */
const FIRST_CARDS = 12
const MORE_CARDS = 24

function useProgressiveCount(length: number) {
  const [count, setCount] = useState(FIRST_CARDS)
  useEffect(() => {
    if (count >= length) return
    const timer = setTimeout(() => startTransition(() => setCount((c) => c + MORE_CARDS)), 0)
    return () => clearTimeout(timer)
  }, [count, length])
  return count
}

export const BoardColumn = memo(function BoardColumn({
  status,
  tasks,
  total,
  highlighted,
  context,
  onOpen,
  onAdd,
}: ColumnProps) {
  const { setNodeRef } = useDroppable({ id: columnDropId(status) })
  const count = useProgressiveCount(tasks.length)
  const shown = useMemo(() => (tasks.length > count ? tasks.slice(0, count) : tasks), [tasks, count])
  const ids = useMemo(() => shown.map((t) => t.id), [shown])
  const title = columnTitles[status]
  return (
    <section
      className={`column column-${status}${highlighted ? ' column-over' : ''}`}
      aria-label={title}
      data-status={status}
    >
      <header className="column-header">
        <h2>{title}</h2>
        <span
          className="column-count"
          title={tasks.length === total ? `${total} tasks` : `${tasks.length} of ${total} shown`}
        >
          {tasks.length === total ? total : `${tasks.length}/${total}`}
        </span>
        <button
          type="button"
          className="icon-btn column-add"
          aria-label={`Add a task to ${title}`}
          onClick={() => onAdd(status)}
        >
          +
        </button>
      </header>
      <SortableContext id={status} items={ids} strategy={verticalListSortingStrategy}>
        <ul ref={setNodeRef} className="column-tasks">
          {shown.map((task) => (
            <TaskCard key={task.id} task={task} onOpen={onOpen} {...context(task)} />
          ))}
          {tasks.length === 0 ? (
            <li className="column-empty">{total ? 'No matching tasks' : 'Drop tasks here'}</li>
          ) : null}
        </ul>
      </SortableContext>
    </section>
  )
})
