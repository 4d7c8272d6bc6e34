import { type PullRequest, type Task, type TaskStatus, taskStatuses } from '@agent-squad/contract'
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
import { useQueries } from '@tanstack/react-query'
import { useCallback, useDeferredValue, useMemo, useRef, useState } from 'react'
import { useNavigate, useParams, useSearchParams } from 'react-router'
import { useAgents } from '../../shared/api/agents.ts'
import { emptyBoard, findTask } from '../../shared/api/board-cache.ts'
import { useSquadRuns } from '../../shared/api/executions.ts'
import { pullPageOf, pullsQuery } from '../../shared/api/pulls.ts'
import { useRepositories } from '../../shared/api/repositories.ts'
import { useBoard } from '../../shared/api/tasks.ts'
import { Button } from '../../shared/ui/Button.tsx'
import { ErrorState, Loading } from '../../shared/ui/States.tsx'
import { useCurrentSquad } from '../squads/use-squad.ts'
import { BoardColumn } from './BoardColumn.tsx'
import { BoardFilters } from './BoardFilters.tsx'
import { boardAnnouncements, boardKeyboardCoordinates, resolveDrop, statusUnder } from './board-dnd.ts'
import { type BoardFilter, filterFromSearch, searchOfFilter } from './filter-tasks.ts'
import { familyOf } from './subtasks.ts'
import { TaskCardPreview } from './TaskCard.tsx'
import { TaskDialog } from './TaskDialog.tsx'
import { useFilteredColumns } from './useFilteredColumns.ts'
import { useMoveTask } from './useMoveTask.ts'
import './board.css'

/** Each task's newest pull request, from the pull request lists of the squad's repositories. */
function pullsByTask(results: { data?: { items: PullRequest[] } | undefined }[]): Map<string, PullRequest> {
  const byTask = new Map<string, PullRequest>()
  for (const pr of results.flatMap((r) => r.data?.items ?? [])) {
    const known = pr.task_id ? byTask.get(pr.task_id) : undefined
    if (pr.task_id && (!known || Date.parse(pr.created_at) > Date.parse(known.created_at)))
      byTask.set(pr.task_id, pr)
  }
  return byTask
}

export function BoardPage() {
  const squad = useCurrentSquad()
  const board = useBoard(squad.id)
  const agents = useAgents(squad.id)
  const repos = useRepositories(squad.id)
  const move = useMoveTask(squad.id)
  const runs = useSquadRuns(squad.id)
  // The filters live in the URL (?q=…&label=…), so a filtered board can be shared and survives a reload.
  const [params, setParams] = useSearchParams()
  const search = params.toString()
  const filter = useMemo(() => filterFromSearch(new URLSearchParams(search)), [search])
  const setFilter = useCallback(
    (next: BoardFilter) => setParams(searchOfFilter(next), { replace: true }),
    [setParams],
  )
  // A new task's dialog has no URL; an open task has its own, /squads/:squadId/tasks/:taskId.
  const [adding, setAdding] = useState<TaskStatus | null>(null)
  const { taskId } = useParams()
  const navigate = useNavigate()
  const query = search ? `?${search}` : ''
  const openTask = useCallback(
    (task: Task) => navigate(`/squads/${squad.id}/tasks/${task.id}${query}`),
    [navigate, squad.id, query],
  )
  const close = () => {
    setAdding(null)
    if (taskId) navigate(`/squads/${squad.id}${query}`)
  }
  const linked = taskId && board.data ? findTask(board.data, taskId) : undefined
  const pullRepos = useMemo(
    () => (repos.data?.items ?? []).filter((r) => r.kind === 'local' || r.kind === 'github').map((r) => r.id),
    [repos.data],
  )
  // A stable `combine` runs again only when a list changes, so the cards' context stays put otherwise.
  const pulls = useQueries({ queries: pullRepos.map((id) => pullsQuery(id)), combine: pullsByTask })
  const [activeId, setActiveId] = useState<string | null>(null)
  const [overStatus, setOverStatus] = useState<TaskStatus | null>(null)
  const boardRef = useRef(board.data)
  boardRef.current = board.data
  // Live changes render in the background (time-sliced), so a burst of events never blocks input.
  const shownBoard = useDeferredValue(board.data)
  const columns = useFilteredColumns(shownBoard ?? emptyBoard(taskStatuses), filter)

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: boardKeyboardCoordinates }),
  )
  const announcements = useMemo(() => boardAnnouncements(() => boardRef.current), [])

  const agentNames = useMemo(
    () => new Map((agents.data?.items ?? []).map((a) => [a.id, a.name])),
    [agents.data],
  )
  const repoNames = useMemo(() => new Map((repos.data?.items ?? []).map((r) => [r.id, r.name])), [repos.data])
  const family = useMemo(() => familyOf(shownBoard ?? emptyBoard(taskStatuses)), [shownBoard])
  const context = useCallback(
    (task: Task) => {
      const run = runs.data?.[task.id]
      const pr = pulls.get(task.id)
      // A finished run that changed nothing (a revision with nothing left to do) says nothing about
      // the work: the task's pull request does.
      const quiet = pr && run?.status === 'no_changes'
      return {
        agentName: task.assignee_id ? agentNames.get(task.assignee_id) : undefined,
        repositoryName: task.repository_id ? repoNames.get(task.repository_id) : undefined,
        runId: quiet ? undefined : run?.id,
        runStatus: quiet ? undefined : run?.status,
        pullRequest: pr ? { url: pullPageOf(pr), number: pr.number, state: pr.state } : undefined,
        parent: family.parentOf.get(task.id),
        waitsFor: family.waitsFor.get(task.id),
        subtasks: family.subtasksOf.get(task.id),
      }
    },
    [agentNames, repoNames, runs.data, pulls, family],
  )
  const labels = useMemo(
    () => [...new Set(shownBoard?.columns.flatMap((c) => c.tasks.flatMap((t) => t.labels)) ?? [])].sort(),
    [shownBoard],
  )
  const addTask = useCallback((status: TaskStatus) => setAdding(status), [])

  if (board.isPending) return <Loading label="Loading board…" />
  if (board.isError)
    return <ErrorState error={board.error} onRetry={() => board.refetch()} title="Could not load the board" />

  const onDragOver = ({ over }: DragOverEvent) =>
    setOverStatus(statusUnder(board.data, over ? String(over.id) : null))
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    setActiveId(null)
    setOverStatus(null)
    const drop = resolveDrop(board.data, String(active.id), over ? String(over.id) : null)
    if (drop) move.move(drop)
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
        <Button variant="primary" onClick={() => setAdding('backlog')}>
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
      {linked || adding ? (
        <TaskDialog
          key={linked?.id ?? 'new'}
          squadId={squad.id}
          task={linked}
          initialStatus={linked ? undefined : (adding ?? undefined)}
          agents={agents.data?.items ?? []}
          repositories={repos.data?.items ?? []}
          onClose={close}
        />
      ) : null}
    </div>
  )
}
