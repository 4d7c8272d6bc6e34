import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureBareRepository } from '../../src/forge/local/ensure-bare-repository.ts'
import type { TestServer } from './test-server.ts'

/**
 * Gives a local-forge repository a first commit on `branch`, written straight into its bare
 * repository on disk (no HTTP, no token): a task can only start from a repository with commits.
 */
export async function seedLocalRepository(
  server: TestServer,
  repo: { squad_id: string; name: string },
  branch = 'main',
): Promise<void> {
  const gitDir = server.deps.localForge.repoPath({ squadId: repo.squad_id, name: repo.name })
  await ensureBareRepository(gitDir, branch)
  const work = mkdtempSync(join(tmpdir(), 'squad-seed-'))
  try {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: work,
        stdio: 'pipe',
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      })
    git('init', '-q', '-b', branch)
    git('commit', '-q', '--allow-empty', '-m', 'chore: first commit')
    git('push', '-q', gitDir, branch)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
