import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { PullRequest, type Repository, type StreamEvent } from '@agent-squad/contract'
import { asc, eq } from 'drizzle-orm'
import { events } from '../../src/db/schema.ts'
import type { Forge, RepoRef } from '../../src/forge/forge.ts'
import type { LocalForge } from '../../src/forge/local/local-forge.ts'
import { skipReason } from '../helpers/test-db.ts'
import type { TestServer } from '../helpers/test-server.ts'
import { git } from './pipeline-fixture.ts'

/**
 * Helpers for the pipeline's git-behaviour and secrets tests, beside pipeline-fixture.ts. All git
 * runs asynchronously: the server under test runs in this process.
 */

const hasBwrap = (() => {
  try {
    execFileSync('bwrap', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/** Why the real-sandbox pipeline tests cannot run here, or null. */
export const pipelineSkip =
  skipReason ?? (hasBwrap ? null : 'bubblewrap is not installed (apt-get install bubblewrap)')

const authArgs = (token?: string) => (token ? ['-c', `http.extraHeader=Authorization: Bearer ${token}`] : [])

/** `git ls-remote` of one branch: its sha, or null when the remote has no such branch. */
export async function remoteBranchSha(repo: Repository, branch: string, token?: string) {
  const out = await git(tmpdir(), [
    ...authArgs(token),
    'ls-remote',
    '--heads',
    repo.clone_url ?? '',
    `refs/heads/${branch}`,
  ])
  return out.split(/\s+/)[0] || null
}

/** A clone of `repo` at `branch` in a temporary folder; `dispose` removes it. */
export async function cloneRepo(repo: Repository, options: { token?: string; branch?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'squad-clone-'))
  await git(dir, [
    ...authArgs(options.token),
    'clone',
    '-q',
    ...(options.branch ? ['--branch', options.branch] : []),
    repo.clone_url ?? '',
    '.',
  ])
  return {
    dir,
    git: (args: string[]) => git(dir, [...authArgs(options.token), ...args]),
    /** Writes `files`, commits them and pushes HEAD to `branch` of the forge; returns the new sha. */
    async commitAndPush(files: Record<string, string>, message: string, branch = 'main') {
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true })
        writeFileSync(join(dir, path), content)
      }
      await git(dir, ['add', '-A'])
      await git(dir, ['commit', '-qm', message])
      await git(dir, [...authArgs(options.token), 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`])
      return git(dir, ['rev-parse', 'HEAD'])
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** The execution's whole log, downloaded like a user would (with a token when auth is on). */
export async function downloadLog(server: TestServer, executionId: string, token?: string) {
  const res = await fetch(`${server.url}/api/v1/executions/${executionId}/log`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  })
  if (res.status !== 200) throw new Error(`log of ${executionId}: ${res.status} ${await res.text()}`)
  return res.text()
}

/** Every stored event of an execution, oldest first, straight from the database. */
export async function eventsOf(server: TestServer, executionId: string) {
  const rows = await server.deps.database.db
    .select()
    .from(events)
    .where(eq(events.executionId, executionId))
    .orderBy(asc(events.id))
  return rows.map((r) => ({ id: r.id, type: r.type, payload: r.payload }) as StreamEvent)
}

/** The repository's pull requests, parsed. */
export async function pullsOf(server: TestServer, repoId: string, token?: string) {
  const res = await server.request('GET', `/api/v1/repositories/${repoId}/pulls`, token ? { token } : {})
  if (res.status !== 200) throw new Error(`pulls: ${res.status} ${JSON.stringify(res.json)}`)
  return (res.json as { items: unknown[] }).items.map((p) => PullRequest.parse(p))
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * The pipeline's forge per repository, switchable by a test: by default the real local forge; a
 * test registers a wrapper for the one repository it makes misbehave (see startServer's forgeFor).
 */
export function forgeSwitch() {
  const overrides = new Map<string, (local: LocalForge) => Forge>()
  return {
    forgeFor: (repo: RepoRef, local: LocalForge): Forge => overrides.get(repo.id)?.(local) ?? local,
    override(repoId: string, wrap: (local: LocalForge) => Forge) {
      overrides.set(repoId, wrap)
    },
  }
}

/**
 * A gate a task's script waits at until the test opens it, so "main moves while the agent works"
 * is an order, not a race against a sleep. The flag lives in the repository's cache mirror, which
 * every sandbox of the repository sees read-only at its host path (the workspace borrows its
 * objects). The script gives up after `maxSeconds` and goes on, so a gate never opened fails the
 * test's assertions instead of hanging it.
 */
export function scriptGate(server: TestServer, repoId: string, maxSeconds = 30) {
  const flag = join(server.deps.config.dataDir, 'cache', 'repos', repoId, 'mirror.git', 'test-gate-open')
  return {
    wait: `i=0; while [ ! -e '${flag}' ] && [ $i -lt ${maxSeconds * 10} ]; do sleep 0.1; i=$((i + 1)); done`,
    open: () => writeFileSync(flag, 'open\n'),
  }
}

/** Counts occurrences of `needle` in `text`. */
export const count = (text: string, needle: string | RegExp) =>
  typeof needle === 'string' ? text.split(needle).length - 1 : [...text.matchAll(needle)].length
