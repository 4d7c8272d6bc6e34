import type { Board, CreateTaskBody, Task, UpdateTaskBody } from '@agent-squad/contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { placeTask, removeTask } from './board-cache.ts'
import { api } from './client.ts'
import { keys } from './keys.ts'

export type TaskInput = Partial<CreateTaskBody> & { title: string }

export const useBoard = (squadId: string) =>
  useQuery({
    queryKey: keys.board(squadId),
    queryFn: ({ signal }) => api.get<Board>(`/squads/${squadId}/board`, {}, signal),
  })

export const useTask = (id: string | undefined) =>
  useQuery({
    queryKey: keys.task(id ?? ''),
    queryFn: ({ signal }) => api.get<Task>(`/tasks/${id}`, {}, signal),
    enabled: Boolean(id),
  })

function storeTask(client: ReturnType<typeof useQueryClient>, task: Task) {
  client.setQueryData(keys.task(task.id), task)
  client.setQueryData<Board>(keys.board(task.squad_id), (board) => (board ? placeTask(board, task) : board))
}

export function useCreateTask(squadId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: TaskInput) => api.post<Task>(`/squads/${squadId}/tasks`, body),
    onSuccess: (task) => storeTask(client, task),
  })
}

export function useUpdateTask() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateTaskBody }) => api.patch<Task>(`/tasks/${id}`, body),
    onSuccess: (task) => storeTask(client, task),
  })
}

export function useDeleteTask(squadId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => api.delete(`/tasks/${id}`),
    onSuccess: (_, id) => {
      client.setQueryData<Board>(keys.board(squadId), (board) => (board ? removeTask(board, id) : board))
      client.removeQueries({ queryKey: keys.task(id) })
    },
  })
}
