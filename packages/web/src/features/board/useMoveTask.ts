import type { Board, Task } from '@agent-squad/contract'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { findTask, indexOfTask, moveTask, placeTask } from '../../shared/api/board-cache.ts'
import { api, describeError } from '../../shared/api/client.ts'
import { keys } from '../../shared/api/keys.ts'
import { useToast } from '../../shared/ui/Toast.tsx'
import type { Drop } from './board-dnd.ts'

/**
 * Moves a task at once on screen, then asks the server. If the server says no, the task goes back
 * where it was (as long as nothing else moved it meanwhile) and a message says why.
 */
export function useMoveTask(squadId: string) {
  const client = useQueryClient()
  const toast = useToast()
  const key = keys.board(squadId)
  return useMutation({
    mutationFn: (drop: Drop) =>
      api.patch<Task>(`/tasks/${drop.taskId}`, { status: drop.status, position: drop.index }),
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
      toast(`Could not move ${label}: ${reason} It is back where it was.`, 'error')
      void client.invalidateQueries({ queryKey: key })
    },
    onSuccess: (task) => client.setQueryData<Board>(key, (b) => (b ? placeTask(b, task) : b)),
  })
}
