import type { User } from '@agent-squad/contract'
import { useQuery } from '@tanstack/react-query'
import { api } from './client.ts'
import { keys } from './keys.ts'

/** The person this browser acts as (the implicit local user when the server runs without auth). */
export const useMe = () =>
  useQuery({
    queryKey: keys.me(),
    queryFn: ({ signal }) => api.get<User>('/me', {}, signal),
    staleTime: 5 * 60_000,
  })
