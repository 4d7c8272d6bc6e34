import type { RepoRef } from '../forge.ts'

/** A GitHub pull request as this server keeps it: GitHub's number and page, and whose run opened it. */
export type MirroredPullRequest = {
  repo: RepoRef
  number: number
  /** The pull request's page on GitHub. */
  htmlUrl: string
  title: string
  body: string
  head: string
  base: string
  state: 'open' | 'merged' | 'closed'
  labels: string[]
  reviewers: string[]
  taskId: string | null
  executionId: string | null
  mergeCommit?: string | null
}

/**
 * Where the adapter records the pull requests it opens or changes (the `pull_requests` table, with
 * its events, in the server: pull-requests/mirror-forge-pull-request.ts). Handed in at composition,
 * so the adapter does not import the use cases above it.
 */
export type PullRequestMirror = {
  save(pullRequest: MirroredPullRequest): Promise<void>
}
