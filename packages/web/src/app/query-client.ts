import { QueryClient } from '@tanstack/react-query'
import { ApiError } from '../shared/api/client.ts'

/** Retries only what may pass on a second try (network trouble, 5xx), never a 4xx. */
export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (count, error) =>
          count < 2 && (!(error instanceof ApiError) || error.status === 0 || error.status >= 500),
      },
      mutations: { retry: false },
    },
  })
}
