import type {
  MergePullRequestBody,
  Page,
  PullRequest,
  PullRequestCommits,
  PullRequestDiff,
  PullRequestMerge,
  UpdatePullRequestBody,
} from '@agent-squad/contract'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from './client.ts'
import { keys } from './keys.ts'
import { upsertInPage } from './page-cache.ts'

const base = (repositoryId: string, number: number) => `/repositories/${repositoryId}/pulls/${number}`

export const pullsQuery = (repositoryId: string) => ({
  queryKey: keys.pulls(repositoryId),
  queryFn: ({ signal }: { signal: AbortSignal }) =>
    api.get<Page<PullRequest>>(`/repositories/${repositoryId}/pulls`, { limit: '200' }, signal),
})

export const usePull = (repositoryId: string, number: number) =>
  useQuery({
    queryKey: keys.pull(repositoryId, number),
    queryFn: ({ signal }) => api.get<PullRequest>(base(repositoryId, number), {}, signal),
  })

export const usePullCommits = (repositoryId: string, number: number) =>
  useQuery({
    queryKey: keys.pullCommits(repositoryId, number),
    queryFn: ({ signal }) => api.get<PullRequestCommits>(`${base(repositoryId, number)}/commits`, {}, signal),
  })

export const usePullDiff = (repositoryId: string | undefined, number: number | undefined) =>
  useQuery({
    queryKey: keys.pullDiff(repositoryId ?? '', number ?? 0),
    queryFn: ({ signal }) =>
      api.get<PullRequestDiff>(`${base(repositoryId ?? '', number ?? 0)}/diff`, {}, signal),
    enabled: Boolean(repositoryId && number),
  })

export function storePull(client: ReturnType<typeof useQueryClient>, pr: PullRequest) {
  client.setQueryData(keys.pull(pr.repository_id, pr.number), pr)
  client.setQueryData<Page<PullRequest>>(keys.pulls(pr.repository_id), (page) => {
    if (!page) return page
    const known = page.items.some((p) => p.id === pr.id)
    return known ? upsertInPage(page, pr) : { ...page, items: [pr, ...page.items] }
  })
}

export function useMergePull(repositoryId: string, number: number) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: MergePullRequestBody) =>
      api.post<PullRequestMerge>(`${base(repositoryId, number)}/merge`, body),
    onSuccess: (result) => {
      storePull(client, result.pull_request)
      if (result.pull_request.task_id)
        void client.invalidateQueries({ queryKey: keys.board(result.pull_request.squad_id) })
    },
  })
}

export function useUpdatePull(repositoryId: string, number: number) {
  const client = useQueryClient()
  return useMutation({
    mutationFn: (body: UpdatePullRequestBody) => api.patch<PullRequest>(base(repositoryId, number), body),
    onSuccess: (pr) => storePull(client, pr),
  })
}

/** The pull request a URL points at (`…/repositories/:id/pulls/:number`, API or web form), if any. */
export function parsePullUrl(
  url: string | null | undefined,
): { repositoryId: string; number: number } | null {
  const match = url ? /\/repositories\/([0-9a-f-]{36})\/pulls\/(\d+)/i.exec(url) : null
  return match?.[1] && match[2] ? { repositoryId: match[1], number: Number(match[2]) } : null
}

/**
 * Where a pull request is shown: its forge's page (`html_url`, GitHub) when the API gives one, else
 * its `url` (the local forge's page in this app).
 */
export function pullPageOf(pr: PullRequest): string {
  const html = (pr as PullRequest & { html_url?: string | null }).html_url
  return html ?? pr.url
}
