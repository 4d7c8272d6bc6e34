import type { Execution, ExecutionWithSteps, Page, StartExecutionBody } from '@agent-squad/contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from './client.ts'
import { keys } from './keys.ts'
import { upsertInPage } from './page-cache.ts'

export const isActive = (status: Execution['status']) => status === 'queued' || status === 'running'

export const useExecution = (id: string) =>
  useQuery({
    queryKey: keys.execution(id),
    queryFn: ({ signal }) => api.get<ExecutionWithSteps>(`/executions/${id}`, {}, signal),
    // While it waits in the queue its place changes without an event: look again now and then.
    refetchInterval: (query) => (query.state.data?.status === 'queued' ? 3000 : false),
  })

export const useTaskExecutions = (taskId: string | undefined) =>
  useQuery({
    queryKey: keys.taskExecutions(taskId ?? ''),
    queryFn: ({ signal }) => api.get<Page<Execution>>(`/tasks/${taskId}/executions`, { limit: '20' }, signal),
    enabled: Boolean(taskId),
  })

/** Puts an execution (from a response or an event) into every cache entry that shows it. */
export function storeExecution(client: ReturnType<typeof useQueryClient>, execution: Execution) {
  client.setQueryData<ExecutionWithSteps>(keys.execution(execution.id), (old) =>
    old && Date.parse(old.updated_at) > Date.parse(execution.updated_at)
      ? old
      : { steps: [], ...old, ...execution },
  )
  client.setQueryData<Page<Execution>>(keys.taskExecutions(execution.task_id), (page) => {
    if (!page) return page
    const known = page.items.some((e) => e.id === execution.id)
    return known ? upsertInPage(page, execution) : { ...page, items: [execution, ...page.items] }
  })
}

export function useStartExecution() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ taskId, body }: { taskId: string; body?: StartExecutionBody }) =>
      api.post<Execution>(`/tasks/${taskId}/executions`, body ?? {}),
    onSuccess: (execution) => storeExecution(client, execution),
  })
}

export function useCancelExecution() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => api.post<Execution>(`/executions/${id}/cancel`),
    onSuccess: (execution) => storeExecution(client, execution),
  })
}

export const executionLogUrl = (id: string) => `/api/v1/executions/${id}/log`

/** The latest execution of each task of the squad, filled by the squad's stream (nothing to fetch). */
export const useSquadRuns = (squadId: string) => {
  const client = useQueryClient()
  return useQuery({
    queryKey: keys.squadRuns(squadId),
    queryFn: () => client.getQueryData<Record<string, Execution>>(keys.squadRuns(squadId)) ?? {},
    staleTime: Number.POSITIVE_INFINITY,
  })
}
