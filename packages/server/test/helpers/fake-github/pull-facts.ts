import { HttpError } from './core.ts'
import { changedFiles, commitsBetween, mergeTree, resolveCommit } from './git-store.ts'
import type { Issue, Repo } from './model.ts'
import type { PullFacts } from './serialize-pull.ts'

// What a pull request is, read from git each time it is asked for: an open pull request follows its
// branches (a push to the head shows up at once, like on GitHub); a closed one keeps the commits it
// had when it closed.

export type Pull = Issue & { pull: NonNullable<Issue['pull']> }

export function isPull(issue: Issue | undefined): issue is Pull {
  return issue?.pull !== null && issue?.pull !== undefined
}

export function findIssue(repo: Repo, number: number): Issue {
  const issue = repo.issues.find((i) => i.number === number)
  if (!issue) throw new HttpError(404, 'Not Found')
  return issue
}

export function findPull(repo: Repo, number: number): Pull {
  const issue = repo.issues.find((i) => i.number === number)
  if (!isPull(issue)) throw new HttpError(404, 'Not Found')
  return issue
}

/** Moves an open pull request's recorded shas to where its branches are now. */
export async function refreshPull(repo: Repo, pull: Pull): Promise<void> {
  if (pull.state !== 'open') return
  const head = await resolveCommit(repo.dir, `refs/heads/${pull.pull.head}`)
  const base = await resolveCommit(repo.dir, `refs/heads/${pull.pull.base}`)
  if (head) pull.pull.headSha = head
  if (base) pull.pull.baseSha = base
}

export async function pullFacts(repo: Repo, pull: Pull): Promise<PullFacts> {
  await refreshPull(repo, pull)
  const { headSha, baseSha } = pull.pull
  const commits = await commitsBetween(repo.dir, baseSha, headSha)
  const files = await changedFiles(repo.dir, baseSha, headSha)
  const mergeable = pull.state === 'open' ? (await mergeTree(repo.dir, baseSha, headSha)) !== null : null
  return {
    headSha,
    baseSha,
    mergeable,
    commits: commits.length,
    additions: files.reduce((sum, f) => sum + f.additions, 0),
    deletions: files.reduce((sum, f) => sum + f.deletions, 0),
    changedFiles: files.length,
  }
}
