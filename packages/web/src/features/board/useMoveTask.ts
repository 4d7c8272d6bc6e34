import type { Board, Execution, Task } from '@agent-squad/contract'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { findTask, indexOfTask, moveTask, placeTask } from '../../shared/api/board-cache.ts'
import { api, describeError } from '../../shared/api/client.ts'
import { storeExecution } from '../../shared/api/executions.ts'
import { keys } from '../../shared/api/keys.ts'
import { useToast } from '../../shared/ui/Toast.tsx'
import type { Drop } from './board-dnd.ts'
import { missingForStart } from './start-blocker.ts'

/** A card dropped into "In progress" from another column asks an agent to start on it. */
const startsWork = (board: Board | undefined, drop: Drop) =>
  drop.status === 'in_progress' && (board ? indexOfTask(board, drop.taskId)?.status : null) !== 'in_progress'

/**
 * Moves a task at once on screen, then asks the server. If the server says no, the task goes back
 * where it was (as long as nothing else moved it meanwhile) and a message says why.
 *
 * "In progress" means an agent works on the task, so a card dropped there from another column
 * starts a run (which is what moves it there on the server); a task that cannot run (no
 * repository, no assignee) is refused before anything moves, with what to do instead.
 */
export function useMoveTask(squadId: string) {
  const client = useQueryClient()
  const toast = useToast()
  const key = keys.board(squadId)
  const mutation = useMutation({
    mutationFn: async (drop: Drop & { start: boolean }): Promise<Task | Execution> =>
      drop.start
        ? api.post<Execution>(`/tasks/${drop.taskId}/executions`, {})
        : api.patch<Task>(`/tasks/${drop.taskId}`, { status: drop.status, position: drop.index }),
    onMutate: async (drop) => {
      await client.cancelQueries({ queryKey: key })
      const board = client.getQueryData<Board>(key)
      const before = board ? indexOfTask(board, drop.taskId) : null
      const task = board ? findTask(board, drop.taskId) : undefined
      client.setQueryData<Board>(key, (b) => (b ? moveTask(b, drop.taskId, drop.status, drop.index) : b))
      return { before, task }
    },
    onError: (error, drop, context) => {
      client.setQueryData<Board>(key, (b) => {
        if (!b || !context?.before || !context.task) return b
        const now = indexOfTask(b, drop.taskId)
        // Only undo our own move: if an event has placed the task elsewhere since, keep that.
        if (!now || now.status !== drop.status || now.index !== drop.index) return b
        return placeTask(b, {
          ...context.task,
          status: context.before.status,
          position: context.before.index,
        })
      })
      const label = context?.task ? `#${context.task.number}` : 'the task'
      const reason = describeError(error).replace(/([^.!?])$/, '$1.')
      toast(
        `Could not ${drop.start ? 'start' : 'move'} ${label}: ${reason} It is back where it was.`,
        'error',
      )
      void client.invalidateQueries({ queryKey: key })
    },
    onSuccess: (result) => {
      if ('attempt' in result) storeExecution(client, result)
      else client.setQueryData<Board>(key, (b) => (b ? placeTask(b, result) : b))
    },
  })
  return {
    move(drop: Drop) {
      const board = client.getQueryData<Board>(key)
      const start = startsWork(board, drop)
      const task = board ? findTask(board, drop.taskId) : undefined
      const missing = start && task ? missingForStart(task) : null
      if (task && missing) {
        const what = missing === 'repository' ? 'choose a repository' : 'assign an agent'
        toast(
          `#${task.number} has no ${missing}, so no agent can work on it. Open it, ${what}, then start it.`,
          'error',
        )
        return
      }
      mutation.mutate({ ...drop, start })
    },
  }
}
