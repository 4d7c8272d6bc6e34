import type { CommitStatus, Repo } from './model.ts'
import { type Json, simpleUser } from './serialize-account.ts'
import { repository } from './serialize-repo.ts'
import { nodeId, type Urls } from './urls.ts'

// Commit statuses as GitHub's `status` (create, list), `simple-commit-status` and
// `combined-commit-status` schemas describe them.

const avatarOf = (urls: Urls, value: CommitStatus) => `${urls.web}/avatars/u/${value.creator.id}`

export function commitStatus(urls: Urls, repo: Repo, value: CommitStatus): Json {
  return {
    url: `${urls.repoApi(repo.fullName)}/statuses/${value.sha}`,
    avatar_url: avatarOf(urls, value),
    id: value.id,
    node_id: nodeId('StatusContext', value.id),
    state: value.state,
    description: value.description,
    target_url: value.targetUrl,
    context: value.context,
    created_at: value.createdAt,
    updated_at: value.updatedAt,
    creator: simpleUser(urls, value.creator),
  }
}

function simpleCommitStatus(urls: Urls, repo: Repo, value: CommitStatus): Json {
  return {
    url: `${urls.repoApi(repo.fullName)}/statuses/${value.sha}`,
    avatar_url: avatarOf(urls, value),
    id: value.id,
    node_id: nodeId('StatusContext', value.id),
    state: value.state,
    description: value.description,
    target_url: value.targetUrl,
    context: value.context,
    created_at: value.createdAt,
    updated_at: value.updatedAt,
  }
}

/** The latest status of each context on `sha`, in the order the contexts first appeared. */
export function latestByContext(repo: Repo, sha: string): CommitStatus[] {
  const latest = new Map<string, CommitStatus>()
  for (const status of repo.statuses) if (status.sha === sha) latest.set(status.context.toLowerCase(), status)
  return [...latest.values()]
}

/**
 * GitHub's rule for the combined state: `failure` when any context is `error` or `failure`,
 * `pending` when there is none or any is `pending`, otherwise `success`.
 */
export function combinedState(latest: CommitStatus[]): CommitStatus['state'] {
  if (latest.some((s) => s.state === 'error' || s.state === 'failure')) return 'failure'
  if (latest.length === 0 || latest.some((s) => s.state === 'pending')) return 'pending'
  return 'success'
}

/** `latest` is every context's latest status; `page` the ones this page shows. */
export function combinedStatus(
  urls: Urls,
  repo: Repo,
  sha: string,
  latest: CommitStatus[],
  page: CommitStatus[],
): Json {
  const api = urls.repoApi(repo.fullName)
  return {
    state: combinedState(latest),
    statuses: page.map((s) => simpleCommitStatus(urls, repo, s)),
    sha,
    total_count: latest.length,
    repository: repository(urls, repo),
    commit_url: `${api}/commits/${sha}`,
    url: `${api}/commits/${sha}/status`,
  }
}
