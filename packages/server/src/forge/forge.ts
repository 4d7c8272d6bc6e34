/**
 * The forge port: where repositories live and pull requests are opened. Adapters beside this file:
 * local/ (bare repositories served by this server over git smart HTTP, PRs in the database; the
 * default) and github/. The pipeline only talks to this interface.
 */

export type RepoRef = {
  id: string
  squadId: string
  name: string
  kind: 'local' | 'remote'
  url: string | null
  defaultBranch: string
}

/**
 * Credentials for exactly one git command: an HTTP header git sends (via `http.extraHeader`, passed
 * in that command's environment, never its arguments, the remote URL or .git/config).
 */
export type GitCredentials = { httpHeader: string } | null

export type PullRequestDraft = {
  repo: RepoRef
  head: string
  base: string
  title: string
  body: string
  labels: string[]
  reviewers: string[]
  taskId?: string | null
  executionId?: string | null
}

export type PullRequestRef = {
  number: number
  url: string
  state: 'open' | 'merged' | 'closed'
  head: string
  base: string
  title: string
  /** False when an open PR for the same head already existed and was updated instead. */
  created: boolean
}

export type Forge = {
  readonly name: string
  /** The URL git clones, fetches and pushes, never carrying credentials. */
  cloneUrl(repo: RepoRef): string
  /** Credentials for one git command against `repo`, or null when none are needed. */
  credentials(repo: RepoRef, purpose: { executionId?: string }): Promise<GitCredentials>
  /** Revokes whatever `credentials` minted for an execution (called by its cleanup step). */
  releaseCredentials?(purpose: { executionId: string }): Promise<void>
  /** Creates the repository if this forge manages it (the local forge makes an empty bare repo). */
  ensureRepository(repo: RepoRef): Promise<void>
  findOpenPullRequest(repo: RepoRef, head: string): Promise<PullRequestRef | null>
  /** Idempotent: an open PR for the same head is found and updated, never duplicated. */
  createPullRequest(draft: PullRequestDraft): Promise<PullRequestRef>
}
