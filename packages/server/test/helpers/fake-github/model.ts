import type { KeyObject } from 'node:crypto'

// The fake's state, in GitHub's own terms. Everything the REST API, the git server and the webhook
// builders answer is derived from these records (and the bare repositories on disk), never hard-coded.

/** A collaborator's role on a repository, weakest first (GitHub's repository roles). */
export const ROLES = ['read', 'triage', 'write', 'maintain', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** The repository permissions of a GitHub App (and of a fine-grained PAT) the fake checks. */
export type PermissionName = 'contents' | 'pull_requests' | 'issues' | 'checks' | 'metadata' | 'statuses'
export type PermissionLevel = 'read' | 'write'
export type Permissions = Partial<Record<PermissionName, PermissionLevel>>

export type Account = {
  id: number
  login: string
  type: 'User' | 'Bot' | 'Organization'
  name: string | null
  email: string | null
  createdAt: string
}

export type Label = { id: number; name: string; color: string; description: string | null; default: boolean }

export type Comment = { id: number; user: Account; body: string; createdAt: string; updatedAt: string }

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED'
export type Review = {
  id: number
  user: Account
  body: string
  state: ReviewState
  commitId: string
  submittedAt: string
}

export type ReviewComment = {
  id: number
  reviewId: number | null
  user: Account
  body: string
  path: string
  line: number
  side: 'LEFT' | 'RIGHT'
  commitId: string
  createdAt: string
}

/** The events issues/list-events reports (the kinds GitHub's description has a schema for). */
export type IssueEvent = {
  id: number
  event: 'labeled' | 'unlabeled' | 'review_requested' | 'review_request_removed' | 'renamed'
  actor: Account
  createdAt: string
  label?: { name: string; color: string }
  reviewer?: Account
  rename?: { from: string; to: string }
}

export type PullState = {
  head: string
  base: string
  /** The head commit when last seen; the branch itself is the truth while it exists. */
  headSha: string
  baseSha: string
  draft: boolean
  merged: boolean
  mergedAt: string | null
  mergedBy: Account | null
  mergeCommitSha: string | null
  requestedReviewers: Account[]
  reviews: Review[]
  reviewComments: ReviewComment[]
  maintainerCanModify: boolean
}

/** An issue; a pull request is an issue with `pull` set, sharing the repository's numbers. */
export type Issue = {
  id: number
  number: number
  title: string
  body: string | null
  user: Account
  state: 'open' | 'closed'
  labels: string[]
  comments: Comment[]
  events: IssueEvent[]
  createdAt: string
  updatedAt: string
  closedAt: string | null
  pull: (PullState & { id: number }) | null
}

export type CheckRun = {
  id: number
  name: string
  headSha: string
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending'
  conclusion: string | null
  startedAt: string | null
  completedAt: string | null
  externalId: string | null
  detailsUrl: string | null
  output: { title: string | null; summary: string | null; text: string | null }
  appId: number
  suiteId: number
}

/** A commit status (`POST /repos/{owner}/{repo}/statuses/{sha}`), what a token shows a run with. */
export type CommitStatus = {
  id: number
  sha: string
  state: 'error' | 'failure' | 'pending' | 'success'
  context: string
  description: string | null
  targetUrl: string | null
  creator: Account
  createdAt: string
  updatedAt: string
}

export type Repo = {
  id: number
  owner: Account
  name: string
  fullName: string
  description: string | null
  defaultBranch: string
  private: boolean
  /** The bare repository on disk that the git server and the contents endpoint both read. */
  dir: string
  collaborators: Map<string, Role>
  labels: Label[]
  issues: Issue[]
  checkRuns: CheckRun[]
  statuses: CommitStatus[]
  nextNumber: number
  createdAt: string
  updatedAt: string
}

export type App = {
  id: number
  slug: string
  name: string
  clientId: string
  owner: Account
  /** The private key (PKCS#1 PEM, as GitHub hands it out) the test signs its JWTs with. */
  privateKeyPem: string
  publicKey: KeyObject
  permissions: Permissions
  events: string[]
  /** The app's bot user (`<slug>[bot]`), the author of what installation tokens create. */
  bot: Account
  createdAt: string
}

export type Installation = {
  id: number
  account: Account
  repos: 'all' | string[]
  permissions: Permissions
  events: string[]
  createdAt: string
}

export type Token = {
  value: string
  kind: 'pat' | 'installation'
  /** The user a PAT acts for; for an installation token the app's bot. */
  user: Account
  installationId: number | null
  /** Repositories (full names, lower case) the token may reach; 'all' means what its owner can. */
  repos: 'all' | string[]
  /** Fine-grained permissions; null for a classic PAT (its scopes decide). */
  permissions: Permissions | null
  scopes: string[] | null
  expiresAt: Date | null
  revoked: boolean
}
