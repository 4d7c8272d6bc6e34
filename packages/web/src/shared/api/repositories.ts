import type { CreateRepositoryBody, Page, Repository, UpdateRepositoryBody } from '@agent-squad/contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from './client.ts'
import { keys } from './keys.ts'
import { removeFromPage, upsertInPage } from './page-cache.ts'

export const useRepositories = (squadId: string) =>
  useQuery({
    queryKey: keys.repositories(squadId),
    queryFn: ({ signal }) =>
      api.get<Page<Repository>>(`/squads/${squadId}/repositories`, { limit: '500' }, signal),
    // A page that learns its squad from another answer (a pull request's) asks once it knows it.
    enabled: Boolean(squadId),
  })

export function useCreateRepository(squadId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: Partial<CreateRepositoryBody> & { name: string }) =>
      api.post<Repository>(`/squads/${squadId}/repositories`, body),
    onSuccess: (repo) =>
      client.setQueryData<Page<Repository>>(keys.repositories(squadId), (p) => upsertInPage(p, repo)),
  })
}

export function useUpdateRepository(squadId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateRepositoryBody }) =>
      api.patch<Repository>(`/repositories/${id}`, body),
    onSuccess: (repo) =>
      client.setQueryData<Page<Repository>>(keys.repositories(squadId), (p) => upsertInPage(p, repo)),
  })
}

export function useDeleteRepository(squadId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => api.delete(`/repositories/${id}`),
    onSuccess: (_, id) =>
      client.setQueryData<Page<Repository>>(keys.repositories(squadId), (p) => removeFromPage(p, id)),
  })
}

/**
 * Checks the remote again (it answers, the credential works, the default branch exists). A failed
 * check answers 422 with what is wrong; the list is refetched either way, as the server may have
 * recorded the failure.
 */
export function useCheckRepository(squadId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => api.post<Repository>(`/repositories/${id}/check`),
    onSuccess: (repo) =>
      client.setQueryData<Page<Repository>>(keys.repositories(squadId), (p) => upsertInPage(p, repo)),
    onError: () => client.invalidateQueries({ queryKey: keys.repositories(squadId) }),
  })
}
