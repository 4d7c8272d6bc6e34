import { z } from 'zod'
import { Id, Timestamp, trimmed } from './common.ts'

/** `open` → `closed` (and back) through PATCH; `merged` only through the merge action, and final. */
export const pullRequestStates = ['open', 'closed', 'merged'] as const
export const PullRequestState = z.enum(pullRequestStates)
export type PullRequestState = z.infer<typeof PullRequestState>

/** A pull request on the built-in local forge (`number` counts per repository, from 1). */
export const PullRequest = z.object({
  id: Id,
  repository_id: Id,
  squad_id: Id,
  task_id: Id.nullable(),
  execution_id: Id.nullable(),
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string(),
  /** The branch with the changes. */
  head: z.string(),
  /** The branch they merge into. */
  base: z.string(),
  state: PullRequestState,
  labels: z.array(z.string()),
  reviewers: z.array(z.string()),
  /** Where this server shows the pull request. */
  url: z.string(),
  merge_commit: z.string().nullable(),
  merged_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
})
export type PullRequest = z.infer<typeof PullRequest>

export const PullRequestListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  /** Only pull requests in this state; all states when omitted. */
  state: PullRequestState.optional(),
})
export type PullRequestListQuery = z.infer<typeof PullRequestListQuery>

/** Close (`closed`) or reopen (`open`) a pull request, and/or change its title and body. */
export const UpdatePullRequestBody = z.strictObject({
  state: z.enum(['open', 'closed']).optional(),
  title: trimmed(1, 300, 'Title').optional(),
  body: z.string().max(100_000).optional(),
})
export type UpdatePullRequestBody = z.infer<typeof UpdatePullRequestBody>

export const MergePullRequestBody = z.strictObject({
  /** The merge commit's message when a merge commit is needed; a default names the PR otherwise. */
  commit_message: z.string().trim().min(1).max(10_000).optional(),
})
export type MergePullRequestBody = z.infer<typeof MergePullRequestBody>

export const mergeMethods = ['fast-forward', 'merge-commit', 'already-merged'] as const
export const MergeMethod = z.enum(mergeMethods)
export type MergeMethod = z.infer<typeof MergeMethod>

export const PullRequestMerge = z.object({
  pull_request: PullRequest,
  /** `already-merged`: the head's commits were already in the base (pushed there directly). */
  method: MergeMethod,
  merge_commit: z.string(),
})
export type PullRequestMerge = z.infer<typeof PullRequestMerge>

/** One commit of a pull request (`git log base..head`), oldest first. */
export const PullRequestCommit = z.object({
  sha: z.string(),
  parents: z.array(z.string()),
  /** The first line of the message. */
  subject: z.string(),
  message: z.string(),
  author_name: z.string(),
  author_email: z.string(),
  authored_at: Timestamp,
  committer_name: z.string(),
  committed_at: Timestamp,
})
export type PullRequestCommit = z.infer<typeof PullRequestCommit>

export const PullRequestCommits = z.object({
  items: z.array(PullRequestCommit),
  /** True when the pull request has more commits than the list holds. */
  truncated: z.boolean(),
})
export type PullRequestCommits = z.infer<typeof PullRequestCommits>

/** A: added, M: modified, D: deleted, R: renamed, C: copied, T: type changed (file ↔ symlink). */
export const FileChangeStatus = z.enum(['A', 'M', 'D', 'R', 'C', 'T'])
export type FileChangeStatus = z.infer<typeof FileChangeStatus>

export const PullRequestFile = z.object({
  path: z.string(),
  /** The path before a rename or copy, else null. */
  previous_path: z.string().nullable(),
  status: FileChangeStatus,
  additions: z.number().int().min(0),
  deletions: z.number().int().min(0),
  /** Binary files count no lines. */
  binary: z.boolean(),
})
export type PullRequestFile = z.infer<typeof PullRequestFile>

/** `git diff base...head`: the changes of the head since it left the base. */
export const PullRequestDiff = z.object({
  base: z.string(),
  head: z.string(),
  /** The commits compared (the merge base, or null when the base branch does not exist yet). */
  base_sha: z.string().nullable(),
  head_sha: z.string(),
  files: z.array(PullRequestFile),
  additions: z.number().int().min(0),
  deletions: z.number().int().min(0),
  /** The unified diff, cut at a line boundary when longer than `max_bytes` (then `truncated` is true). */
  patch: z.string(),
  truncated: z.boolean(),
  max_bytes: z.number().int().positive(),
})
export type PullRequestDiff = z.infer<typeof PullRequestDiff>
