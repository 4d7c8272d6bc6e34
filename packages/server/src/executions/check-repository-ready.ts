import { existsSync } from 'node:fs'
import type { repositories } from '../db/schema.ts'
import { AppError } from '../domain/errors.ts'
import { branchRef, resolveCommit } from '../forge/local/git-refs.ts'
import type { LocalForge } from '../forge/local/local-forge.ts'
import { runGit } from '../git/run-git.ts'

type RepositoryRow = typeof repositories.$inferSelect

/** The branches of a bare repository on disk (at most a few, for a message). */
async function branchesOf(gitDir: string): Promise<string[]> {
  const result = await runGit(['for-each-ref', '--count=5', '--format=%(refname:short)', 'refs/heads/'], {
    cwd: gitDir,
    okExitCodes: [0, 128],
  })
  return result.exitCode === 0 ? result.stdout.split('\n').filter(Boolean) : []
}

/**
 * Refuses, before anything is queued, a task whose repository has nothing to start from: no
 * commits, or no default branch. A local repository is looked at on disk; a remote or GitHub one by
 * what its last check found (the remote is not contacted here; without a check, the run finds out).
 */
export async function checkRepositoryReady(
  repo: RepositoryRow,
  localForge: Pick<LocalForge, 'repoPath' | 'cloneUrl'>,
): Promise<void> {
  const branch = repo.defaultBranch
  if (repo.kind === 'local') {
    const gitDir = localForge.repoPath(repo)
    if (existsSync(gitDir) && (await resolveCommit(gitDir, branchRef(branch)))) return
    const branches = existsSync(gitDir) ? await branchesOf(gitDir) : []
    let clone = '<clone URL>'
    try {
      clone = localForge.cloneUrl({ ...repo, github: null })
    } catch {}
    if (branches.length === 0)
      throw new AppError(
        'validation_failed',
        `Repository "${repo.name}" has no commits yet, so a task has nothing to start from: push a first commit to its default branch (git push ${clone} ${branch}), then start the task again`,
        { details: { problem: 'empty', repository_id: repo.id } },
      )
    throw new AppError(
      'validation_failed',
      `Repository "${repo.name}" has no branch "${branch}" (its default branch; it has ${branches.join(', ')}): push ${branch} (git push ${clone} ${branch}) or make one of those its default branch (PATCH /api/v1/repositories/${repo.id} with default_branch), then start the task again`,
      { details: { problem: 'no_branch', repository_id: repo.id, branches } },
    )
  }
  const check = repo.lastCheck
  if (!check?.reachable || check.default_branch !== branch || check.head) return
  throw new AppError(
    'validation_failed',
    `Repository "${repo.name}" had no commit on its default branch "${branch}" when it was last checked (${check.checked_at}): push a first commit to ${branch} (or choose another default branch), check it again (squad repo check ${repo.name}, or POST /api/v1/repositories/${repo.id}/check), then start the task again`,
    { details: { problem: 'empty', repository_id: repo.id } },
  )
}
