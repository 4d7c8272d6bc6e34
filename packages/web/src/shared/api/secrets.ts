import type { Secret, SecretList } from '@agent-squad/contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from './client.ts'
import { keys } from './keys.ts'

const path = (squadId: string, name?: string) =>
  `/squads/${squadId}/secrets${name === undefined ? '' : `/${encodeURIComponent(name)}`}`

/** A squad's secrets: names and dates, never values. */
export const useSecrets = (squadId: string) =>
  useQuery({
    queryKey: keys.secrets(squadId),
    queryFn: ({ signal }) => api.get<SecretList>(path(squadId), {}, signal),
  })

/** Stores a secret (or replaces its value); the list learns its name, the value stays on the server. */
export function usePutSecret(squadId: string) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: ({ name, value }: { name: string; value: string }) =>
      api.put<Secret>(path(squadId, name), { value }),
    onSuccess: (secret) =>
      client.setQueryData<SecretList>(keys.secrets(squadId), (list) =>
        list
          ? {
              ...list,
              items: [...list.items.filter((s) => s.name !== secret.name), secret].sort((a, b) =>
                a.name.localeCompare(b.name),
              ),
            }
          : list,
      ),
  })
}
