import type { Agent, CreateAgentBody, Page, UpdateAgentBody } from '@agent-squad/contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from './client.ts'
import { keys } from './keys.ts'
import { removeFromPage, upsertInPage } from './page-cache.ts'

export type AgentInput = Partial<CreateAgentBody> & Pick<CreateAgentBody, 'name' | 'role'>

export const useAgents = (squadId: string) =>
  useQuery({
    queryKey: keys.agents(squadId),
    queryFn: ({ signal }) => api.get<Page<Agent>>(`/squads/${squadId}/agents`, { limit: '500' }, signal),
  })

export function useCreateAgent(squadId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: AgentInput) => api.post<Agent>(`/squads/${squadId}/agents`, body),
    onSuccess: (agent) =>
      client.setQueryData<Page<Agent>>(keys.agents(squadId), (p) => upsertInPage(p, agent)),
  })
}

export function useUpdateAgent(squadId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateAgentBody }) =>
      api.patch<Agent>(`/agents/${id}`, body),
    onSuccess: (agent) =>
      client.setQueryData<Page<Agent>>(keys.agents(squadId), (p) => upsertInPage(p, agent)),
  })
}

export function useDeleteAgent(squadId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => api.delete(`/agents/${id}`),
    onSuccess: (_, id) =>
      client.setQueryData<Page<Agent>>(keys.agents(squadId), (p) => removeFromPage(p, id)),
  })
}

export const useAgent = (id: string | null | undefined) =>
  useQuery({
    queryKey: ['agent', id ?? ''] as const,
    queryFn: ({ signal }) => api.get<Agent>(`/agents/${id}`, {}, signal),
    enabled: Boolean(id),
  })
