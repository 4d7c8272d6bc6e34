import { type Task, type TaskStatus, taskStatuses } from '@agent-squad/contract'
import {
  closestCorners,
  DndContext,
  type DragEndEvent,
  type DragOverEvent,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
} from '@dnd-kit/core'
import { sortableKeyboardCoordinates } from '@dnd-kit/sortable'
import { useCallback, useDeferredValue, useMemo, useRef, useState } from 'react'
import { useNavigate, useParams } from 'react-router'
import { useAgents } from '../../shared/api/agents.ts'
import { emptyBoard, findTask } from '../../shared/api/board-cache.ts'
import { useSquadRuns } from '../../shared/api/executions.ts'
import { useRepositories } from '../../shared/api/repositories.ts'
import { useBoard } from '../../shared/api/tasks.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { ErrorState, Loading } from '../../shared/ui/States.tsx'
import { useCurrentSquad } from '../squads/use-squad.ts'
import { BoardColumn } from './BoardColumn.tsx'
import { BoardFilters } from './BoardFilters.tsx'
import { boardAnnouncements, resolveDrop, statusUnder } from './board-dnd.ts'
import { type BoardFilter, noFilter } from './filter-tasks.ts'
import { familyOf } from './subtasks.ts'
import { TaskCardPreview } from './TaskCard.tsx'
import { TaskDialog } from './TaskDialog.tsx'
import { useFilteredColumns } from './useFilteredColumns.ts'
import { useMoveTask } from './useMoveTask.ts'
import './board.css'

type Editing = { task: Task } | { status: TaskStatus } | null

export function BoardPage() {
  const squad = useCurrentSquad()
  const board = useBoard(squad.id)
  const agents = useAgents(squad.id)
  const repos = useRepositories(squad.id)
  const move = useMoveTask(squad.id)
  const runs = useSquadRuns(squad.id)
  const [filter, setFilter] = useState<BoardFilter>(noFilter)
  const [editing, setEditing] = useState<Editing>(null)
  // /squads/:squadId/tasks/:taskId (the link a pull request carries back to its task) opens that task.
  const { taskId } = useParams()
  const navigate = useNavigate()
  const linked = taskId && board.data ? findTask(board.data, taskId) : undefined
  const shown: Editing = editing ?? (linked ? { task: linked } : null)
  const close = () => {
    setEditing(null)
    if (taskId) navigate(`/squads/${squad.id}`, { replace: true })
  }
  const [activeId, setActiveId] = useState<string | null>(null)
  const [overStatus, setOverStatus] = useState<TaskStatus | null>(null)
  const boardRef = useRef(board.data)
  boardRef.current = board.data
  // Live changes render in the background (time-sliced), so a burst of events never blocks input.
  const shownBoard = useDeferredValue(board.data)
  const columns = useFilteredColumns(shownBoard ?? emptyBoard(taskStatuses), filter)

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  )
  const announcements = useMemo(() => boardAnnouncements(() => boardRef.current), [])

  const agentNames = useMemo(
    () => new Map((agents.data?.items ?? []).map((a) => [a.id, a.name])),
    [agents.data],
  )
  const repoNames = useMemo(() => new Map((repos.data?.items ?? []).map((r) => [r.id, r.name])), [repos.data])
  const family = useMemo(() => familyOf(shownBoard ?? emptyBoard(taskStatuses)), [shownBoard])
  const context = useCallback(
    (task: Task) => ({
      agentName: task.assignee_id ? agentNames.get(task.assignee_id) : undefined,
      repositoryName: task.repository_id ? repoNames.get(task.repository_id) : undefined,
      runId: runs.data?.[task.id]?.id,
      runStatus: runs.data?.[task.id]?.status,
      parent: family.parentOf.get(task.id),
      waitsFor: family.waitsFor.get(task.id),
      subtasks: family.subtasksOf.get(task.id),
    }),
    [agentNames, repoNames, runs.data, family],
  )
  const labels = useMemo(
    () => [...new Set(shownBoard?.columns.flatMap((c) => c.tasks.flatMap((t) => t.labels)) ?? [])].sort(),
    [shownBoard],
  )
  const openTask = useCallback((task: Task) => setEditing({ task }), [])
  const addTask = useCallback((status: TaskStatus) => setEditing({ status }), [])

  if (board.isPending) return <Loading label="Loading board…" />
  if (board.isError)
    return <ErrorState error={board.error} onRetry={() => board.refetch()} title="Could not load the board" />

  const onDragOver = ({ over }: DragOverEvent) =>
    setOverStatus(statusUnder(board.data, over ? String(over.id) : null))
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    setActiveId(null)
    setOverStatus(null)
    const drop = resolveDrop(board.data, String(active.id), over ? String(over.id) : null)
    if (drop) move.mutate(drop)
  }
  const active = activeId ? findTask(board.data, activeId) : undefined
  const total = board.data.columns.reduce((n, c) => n + c.tasks.length, 0)

  return (
    <div className="board-page">
      <div className="board-toolbar">
        <BoardFilters
          filter={filter}
          onChange={setFilter}
          labels={labels}
          agents={agents.data?.items ?? []}
        />
        <Button variant="primary" onClick={() => setEditing({ status: 'backlog' })}>
          New task
        </Button>
      </div>
      {total === 0 ? (
        <p className="board-hint muted">
          No tasks yet. Create one with “New task” or the + of a column, then drag it to “To do” when it is
          ready.
        </p>
      ) : null}
      <DndContext
        sensors={sensors}
        collisionDetection={closestCorners}
        accessibility={{ announcements }}
        onDragStart={({ active: a }) => setActiveId(String(a.id))}
        onDragOver={onDragOver}
        onDragEnd={onDragEnd}
        onDragCancel={() => {
          setActiveId(null)
          setOverStatus(null)
        }}
      >
        <div className="board" data-testid="board">
          {columns.map(({ column, shown }) => (
            <BoardColumn
              key={column.status}
              status={column.status}
              tasks={shown}
              total={column.tasks.length}
              highlighted={overStatus === column.status}
              context={context}
              onOpen={openTask}
              onAdd={addTask}
            />
          ))}
        </div>
        <DragOverlay>
          {active ? <TaskCardPreview task={active} onOpen={() => {}} {...context(active)} /> : null}
        </DragOverlay>
      </DndContext>
      {shown ? (
        <TaskDialog
          squadId={squad.id}
          task={'task' in shown ? (findTask(board.data, shown.task.id) ?? shown.task) : undefined}
          initialStatus={'status' in shown ? shown.status : undefined}
          agents={agents.data?.items ?? []}
          repositories={repos.data?.items ?? []}
          onClose={close}
        />
      ) : null}
    </div>
  )
}
