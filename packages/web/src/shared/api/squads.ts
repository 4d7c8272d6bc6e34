import type { CreateSquadBody, Page, Squad, UpdateSquadBody } from '@agent-squad/contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from './client.ts'
import { keys } from './keys.ts'

export const useSquads = () =>
  useQuery({
    queryKey: keys.squads(),
    queryFn: ({ signal }) => api.get<Page<Squad>>('/squads', { limit: '500' }, signal),
  })

export const useSquad = (id: string) =>
  useQuery({ queryKey: keys.squad(id), queryFn: ({ signal }) => api.get<Squad>(`/squads/${id}`, {}, signal) })

/** Puts a changed squad into both the list and its own entry. */
export function storeSquad(client: ReturnType<typeof useQueryClient>, squad: Squad) {
  client.setQueryData(keys.squad(squad.id), squad)
  client.setQueryData<Page<Squad>>(keys.squads(), (page) => {
    if (!page) return page
    const exists = page.items.some((s) => s.id === squad.id)
    const items = exists ? page.items.map((s) => (s.id === squad.id ? squad : s)) : [...page.items, squad]
    return { ...page, items }
  })
}

export function useCreateSquad() {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: Partial<CreateSquadBody> & { name: string }) => api.post<Squad>('/squads', body),
    onSuccess: (squad) => storeSquad(client, squad),
  })
}

export function useUpdateSquad(id: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: UpdateSquadBody) => api.patch<Squad>(`/squads/${id}`, body),
    onSuccess: (squad) => storeSquad(client, squad),
  })
}

export function useDeleteSquad(id: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: () => api.delete(`/squads/${id}`),
    onSuccess: () => {
      client.setQueryData<Page<Squad>>(keys.squads(), (page) =>
        page ? { ...page, items: page.items.filter((s) => s.id !== id) } : page,
      )
      client.removeQueries({ queryKey: keys.squad(id) })
    },
  })
}
