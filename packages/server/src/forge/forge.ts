import type {
  GitHubAuth,
  MergeMethod,
  PullRequestCommits,
  PullRequestDiff,
  RepositoryCheck,
} from '@agent-squad/contract'

/**
 * The forge port: where repositories live and pull requests are opened. Each kind of repository has
 * an adapter in its own folder beside this file: local/ (bare repositories served by this server
 * over git smart HTTP, pull requests in the database), git/ (any other git remote: git only, no pull
 * requests) and github/ (GitHub and GitHub Enterprise on Octokit). The pipeline, the HTTP routes
 * and the workflow only talk to this interface; the composition root picks the adapter per
 * repository (`forgeFor`).
 */

export type RepoRef = {
  id: string
  squadId: string
  name: string
  kind: 'local' | 'remote' | 'github'
  url: string | null
  defaultBranch: string
  /** A `remote` repository's squad secret for git (a token or an ssh private key), by name. */
  credentialSecret: string | null
  /** A `github` repository: owner/name, how it authenticates, GitHub Enterprise's base URL or null. */
  github: { repo: string; auth: GitHubAuth; baseUrl: string | null } | null
}

/**
 * Credentials for exactly one git command, never in its arguments, the remote URL or .git/config:
 * - an HTTP header git sends (`http.extraHeader`, passed in that command's environment);
 * - an ssh private key (an ssh remote): written to a file of its own for that one command, used
 *   through `GIT_SSH_COMMAND` and removed when it ends (git/credentials.ts). `knownHostsFile` is the
 *   repository's known_hosts on the host: the server's ssh adds a new remote's host key to it on
 *   first contact (accept-new); a sandbox's ssh gets a copy and accepts nothing else.
 * `expiresAt` is when a minted credential stops working: a long run asks for fresh ones before that.
 */
export type GitCredentials =
  | { httpHeader: string; expiresAt?: Date }
  | { sshKey: string; knownHostsFile: string; expiresAt?: Date }
  | null

export type PullRequestDraft = {
  repo: RepoRef
  head: string
  base: string
  title: string
  body: string
  labels: string[]
  reviewers: string[]
  /** Open it as a draft where the forge has drafts (the squad's `draft_pull_requests`). */
  draft?: boolean
  /** The base branch's commit the head was pushed onto, when the caller knows it (saves a lookup). */
  baseSha?: string
  /** The files the branch changes, when the caller knows them (for CODEOWNERS; saves a lookup). */
  changedFiles?: string[]
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
  /** What the forge could not do but the pull request stands without (a reviewer it refused, …). */
  warnings?: string[]
}

/** What a forge can do beyond git; the pipeline and the web ask instead of checking the kind. */
export type ForgeCapabilities = {
  /** Pull requests can be opened; false for a plain git remote (a run ends with its branch pushed). */
  pullRequests: boolean
  /** Pull requests can be merged from this server (the local forge, GitHub through its API). */
  merge: boolean
  /** A check run on the head commit can show a run's progress (GitHub). */
  checks: boolean
}

/** A pull request as this server records it: what a forge needs to read or merge it. */
export type PullRequestOnForge = {
  number: number
  head: string
  base: string
  title: string
  state: 'open' | 'merged' | 'closed'
}

export type MergeRequest = {
  commitMessage?: string
  /** Who merges, for the merge commit's author on forges that write it themselves. */
  mergedBy: { name: string; email: string }
}

export type MergeResult = { method: MergeMethod; commit: string }

/** A check run on a commit (GitHub's checks API): in progress while the agent works, then its result. */
export type CheckRunInput = {
  headSha: string
  name: string
  title: string
  summary: string
  /** The task's live Work page. */
  detailsUrl?: string
  status: 'in_progress' | 'completed'
  conclusion?: 'success' | 'failure' | 'neutral' | 'cancelled' | 'action_required'
}

/**
 * Something that happened on a forge that the workflow acts on, whether a webhook delivered it or
 * the poller found it. `id` is unique per happening (a webhook's delivery id, or the forge's own id
 * for the review, comment or event), so acting on it twice is detected (webhook_deliveries).
 */
export type ForgeEvent =
  | {
      kind: 'pull_request_closed'
      id: string
      number: number
      head: string
      merged: boolean
      mergeCommit: string | null
    }
  | {
      kind: 'review'
      id: string
      number: number
      author: string
      state: 'changes_requested' | 'commented' | 'approved'
      body: string
      comments: { path: string; line: number | null; body: string }[]
      /**
       * The forge's id of the review. A webhook's review carries no comments (GitHub delivers each
       * as a `pull_request_review_comment` of its own): with this id they are read with
       * `reviewComments`, so one review makes one revision.
       */
      reviewId?: string
    }
  | {
      kind: 'review_comment'
      id: string
      number: number
      author: string
      path: string
      line: number | null
      body: string
      /** The review this comment was submitted with (GitHub: `pull_request_review_id`), if any. */
      reviewId?: string | null
    }
  | { kind: 'comment'; id: string; number: number; author: string; body: string; onPullRequest: boolean }
  | {
      kind: 'issue_labeled'
      id: string
      number: number
      label: string
      title: string
      body: string
      url: string
      author: string
    }

export type Forge = {
  readonly name: string
  readonly capabilities: ForgeCapabilities
  /** The URL git clones, fetches and pushes, never carrying credentials. */
  cloneUrl(repo: RepoRef): string
  /** Credentials for one git command against `repo`, or null when none are needed. */
  credentials(repo: RepoRef, purpose: { executionId?: string }): Promise<GitCredentials>
  /** Revokes whatever `credentials` minted for an execution (called by its cleanup step). */
  releaseCredentials?(purpose: { executionId: string }): Promise<void>
  /** Creates the repository if this forge manages it (the local forge makes an empty bare repo). */
  ensureRepository(repo: RepoRef): Promise<void>
  /**
   * Checks, bounded in time, that the repository answers with its credentials and has its default
   * branch. Throws a `validation_failed` AppError that says what is wrong (unreachable, credential
   * refused, no such branch, empty repository) and what to do. An empty `repo.defaultBranch` asks
   * for the remote's own (its HEAD's branch), which the result's `default_branch` then names.
   */
  checkRepository?(repo: RepoRef): Promise<RepositoryCheck>
  findOpenPullRequest(repo: RepoRef, head: string): Promise<PullRequestRef | null>
  /** Idempotent: an open PR for the same head is found and updated, never duplicated. */
  createPullRequest(draft: PullRequestDraft): Promise<PullRequestRef>
  /**
   * Merges on the forge (git for the local forge, the API for GitHub). Refusals are `conflict`
   * AppErrors saying why (conflicting paths in `details.conflicts`); recording the merge and the
   * rules after it are the caller's (pull-requests/merge-pull-request.ts).
   */
  mergePullRequest?(repo: RepoRef, pr: PullRequestOnForge, request: MergeRequest): Promise<MergeResult>
  /** The pull request's changes (`git diff base...head`), the patch cut at `maxBytes`. */
  pullRequestDiff?(
    repo: RepoRef,
    pr: PullRequestOnForge,
    options?: { maxBytes?: number },
  ): Promise<PullRequestDiff>
  /** The pull request's commits, oldest first. */
  pullRequestCommits?(repo: RepoRef, pr: PullRequestOnForge): Promise<PullRequestCommits>
  /** Creates (no id) or updates a check run; returns its id. */
  reportCheck?(repo: RepoRef, check: CheckRunInput & { id?: string | null }): Promise<{ id: string }>
  /** Who this server acts as on the forge (a token's user, an App's `slug[bot]`): its own comments are ignored. */
  identity?(repo: RepoRef): Promise<{ login: string }>
  /** A person's permission on the repository: only `write` and above may ask an agent for a revision. */
  permissionOf?(
    repo: RepoRef,
    login: string,
  ): Promise<'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'>
  /** The inline comments of one review of a pull request (file, line, text), in the order written. */
  reviewComments?(
    repo: RepoRef,
    number: number,
    reviewId: string,
  ): Promise<{ path: string; line: number | null; body: string }[]>
  /**
   * What happened on the forge since `cursor` (pull requests merged or closed, reviews, comments,
   * labeled issues), for a server that webhooks cannot reach; the same events a webhook delivers.
   * Conditional requests keep an idle poll cheap; `cursor` is whatever the last call returned.
   */
  pollEvents?(repo: RepoRef, cursor: string | null): Promise<{ events: ForgeEvent[]; cursor: string | null }>
}
