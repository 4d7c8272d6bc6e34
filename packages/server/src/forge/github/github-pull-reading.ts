import type { FileChangeStatus, PullRequestCommits, PullRequestDiff } from '@agent-squad/contract'
import type { PullRequestOnForge } from '../forge.ts'
import type { GitHubRepo } from './github-auth.ts'
import type { GitHubClient } from './github-client.ts'

/** As many as the local forge lists (forge/local/read-commits.ts); GitHub itself stops at 250. */
const MAX_COMMITS = 250
const MAX_FILES = 300
const DEFAULT_MAX_BYTES = 1024 * 1024

const statusOf: Record<string, FileChangeStatus> = {
  added: 'A',
  removed: 'D',
  modified: 'M',
  renamed: 'R',
  copied: 'C',
  changed: 'T',
  unchanged: 'M',
}

type PullFile = {
  filename: string
  previous_filename?: string
  status: string
  additions: number
  deletions: number
  patch?: string
}

/**
 * A GitHub pull request's changes in this server's shape, from its files (pulls/list-files: each
 * file's status, counts and patch; GitHub leaves the patch out for binary and very large files).
 * The unified patch is put together per file and cut at `maxBytes` on a line boundary.
 */
export async function readGitHubPullDiff(input: {
  api: GitHubClient
  repo: GitHubRepo
  pr: PullRequestOnForge
  maxBytes?: number
}): Promise<PullRequestDiff> {
  const { api, repo, pr } = input
  const maxBytes = input.maxBytes ?? DEFAULT_MAX_BYTES
  const where = { owner: repo.owner, repo: repo.name, pull_number: pr.number }
  const { data: pull } = await api.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', where)
  const files: PullFile[] = []
  for (let page = 1; files.length < MAX_FILES; page++) {
    const { data } = await api.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
      ...where,
      per_page: 100,
      page,
    })
    files.push(...(data as PullFile[]))
    if (data.length < 100) break
  }
  let patch = ''
  let truncated = false
  for (const file of files) {
    const from = file.status === 'added' ? '/dev/null' : `a/${file.previous_filename ?? file.filename}`
    const to = file.status === 'removed' ? '/dev/null' : `b/${file.filename}`
    const text =
      `diff --git a/${file.previous_filename ?? file.filename} b/${file.filename}\n` +
      (file.patch === undefined
        ? `Binary files ${from} and ${to} differ\n`
        : `--- ${from}\n+++ ${to}\n${file.patch}\n`)
    if (Buffer.byteLength(patch + text) > maxBytes) {
      const room = maxBytes - Buffer.byteLength(patch)
      const cut = Buffer.from(text).subarray(0, Math.max(0, room)).toString('utf8')
      patch += cut.slice(0, cut.lastIndexOf('\n') + 1)
      truncated = true
      break
    }
    patch += text
  }
  return {
    base: pr.base,
    head: pr.head,
    base_sha: pull.base.sha,
    head_sha: pull.head.sha,
    files: files.map((f) => ({
      path: f.filename,
      previous_path: f.previous_filename ?? null,
      status: statusOf[f.status] ?? 'M',
      additions: f.additions,
      deletions: f.deletions,
      binary: f.patch === undefined && f.additions + f.deletions === 0 && f.status !== 'removed',
    })),
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    patch,
    truncated,
    max_bytes: maxBytes,
  }
}

/** A GitHub pull request's commits, oldest first (pulls/list-commits). */
export async function listGitHubPullCommits(input: {
  api: GitHubClient
  repo: GitHubRepo
  pr: PullRequestOnForge
}): Promise<PullRequestCommits> {
  const { api, repo, pr } = input
  const where = { owner: repo.owner, repo: repo.name, pull_number: pr.number }
  const items: PullRequestCommits['items'] = []
  let more = false
  for (let page = 1; ; page++) {
    const { data } = await api.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/commits', {
      ...where,
      per_page: 100,
      page,
    })
    for (const c of data) {
      const message = c.commit.message
      items.push({
        sha: c.sha,
        parents: c.parents.map((p) => p.sha),
        subject: message.split('\n')[0] ?? '',
        message,
        author_name: c.commit.author?.name ?? '',
        author_email: c.commit.author?.email ?? '',
        authored_at: new Date(c.commit.author?.date ?? 0).toISOString(),
        committer_name: c.commit.committer?.name ?? '',
        committed_at: new Date(c.commit.committer?.date ?? 0).toISOString(),
      })
    }
    if (data.length < 100) break
    if (items.length >= MAX_COMMITS) {
      more = true
      break
    }
  }
  return { items: items.slice(0, MAX_COMMITS), truncated: more || items.length > MAX_COMMITS }
}
