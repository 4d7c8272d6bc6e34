import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorBody, type Repository } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repositories } from '../../src/db/schema.ts'
import { seedLocalRepository } from '../helpers/seed-local-repo.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

// The worker is off: a start that is accepted only queues, so what the start itself decides shows.
describe.skipIf(skipReason)('starting a task whose repository has nothing to start from', () => {
  let server: TestServer
  let root: string
  let squadId: string

  const post = (path: string, body: unknown = {}) => server.request('POST', path, { body })
  const created = async <T>(path: string, body: unknown) => {
    const res = await post(path, body)
    expect(res.status, JSON.stringify(res.json)).toBeLessThan(300)
    return res.json as T
  }
  const taskOn = (repo: Repository) =>
    created<{ id: string }>(`/api/v1/squads/${squadId}/tasks`, {
      title: `Work on ${repo.name}`,
      repository_id: repo.id,
      script: 'true',
    })
  const refusal = (res: { status: number; json: unknown }) => {
    expect(res.status, JSON.stringify(res.json)).toBe(422)
    return ErrorBody.parse(res.json).error.message
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'squad-start-repo-'))
    server = await startTestServer({ env: { SQUAD_LOCAL_REPO_ROOTS: root } })
    squadId = (await created<{ id: string }>('/api/v1/squads', { name: 'Core' })).id
  })
  afterAll(async () => {
    await server?.stop()
    rmSync(root, { recursive: true, force: true })
  })

  it('refuses a local repository without commits, saying how to push the first one; accepts it after', async () => {
    const repo = await created<Repository>(`/api/v1/squads/${squadId}/repositories`, { name: 'empty' })
    const task = await taskOn(repo)
    const res = await post(`/api/v1/tasks/${task.id}/executions`)
    const message = refusal(res)
    expect(ErrorBody.parse(res.json).error.details).toEqual({ problem: 'empty', repository_id: repo.id })
    expect(message).toBe(
      `Repository "empty" has no commits yet, so a task has nothing to start from: push a first commit to its default branch (git push ${repo.clone_url} main), then start the task again`,
    )
    // Nothing was queued, and the task stayed where it was.
    const runs = await server.request('GET', `/api/v1/tasks/${task.id}/executions`)
    expect((runs.json as { items: unknown[] }).items).toEqual([])
    expect(
      ((await server.request('GET', `/api/v1/tasks/${task.id}`)).json as { status: string }).status,
    ).toBe('backlog')

    await seedLocalRepository(server, repo)
    expect((await post(`/api/v1/tasks/${task.id}/executions`)).status).toBe(202)
  })

  it('refuses a local repository whose default branch does not exist, naming the branches it has', async () => {
    const repo = await created<Repository>(`/api/v1/squads/${squadId}/repositories`, { name: 'elsewhere' })
    await seedLocalRepository(server, repo, 'develop')
    const task = await taskOn(repo)
    expect(refusal(await post(`/api/v1/tasks/${task.id}/executions`))).toMatch(
      /^Repository "elsewhere" has no branch "main" \(its default branch; it has develop\): push main \(git push \S+ main\) or make one of those its default branch/,
    )
  })

  it('refuses a remote whose last check found no commit on its default branch, without contacting it', async () => {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'pipe' })
    git('init', '-q', '-b', 'main', 'upstream')
    git(
      '-C',
      'upstream',
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@e',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'init',
    )
    const repo = await created<Repository>(`/api/v1/squads/${squadId}/repositories`, {
      name: 'upstream',
      url: `file://${root}/upstream`,
    })
    expect(repo.check).toMatchObject({ reachable: true, head: expect.stringMatching(/^[0-9a-f]{40}$/) })
    const task = await taskOn(repo)
    expect((await post(`/api/v1/tasks/${task.id}/executions`)).status).toBe(202)

    // A later check found the branch without a head; the remote itself is gone (not contacted).
    const second = await taskOn(repo)
    await server.deps.database.db
      .update(repositories)
      .set({ lastCheck: { ...(repo.check as NonNullable<Repository['check']>), head: null } })
      .where(eq(repositories.id, repo.id))
    rmSync(join(root, 'upstream'), { recursive: true, force: true })
    expect(refusal(await post(`/api/v1/tasks/${second.id}/executions`))).toMatch(
      /^Repository "upstream" had no commit on its default branch "main" when it was last checked \(.+\): push a first commit to main .*check it again \(squad repo check upstream/,
    )
  })
})
