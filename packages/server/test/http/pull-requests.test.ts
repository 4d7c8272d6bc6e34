import {
  ErrorBody,
  eventsByType,
  PullRequest,
  PullRequestCommits,
  PullRequestDiff,
  PullRequestMerge,
  page,
  Task,
  User,
} from '@agent-squad/contract'
import { asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events } from '../../src/db/schema.ts'
import type { RepoRef } from '../../src/forge/forge.ts'
import { readPullRequestDiff } from '../../src/pull-requests/read-pull-request-diff.ts'
import {
  commitFiles,
  gitOk,
  headerEnv,
  newLocalRepository,
  newUserToken,
  newWorkTree,
  removeTempDirs,
  tempDir,
} from '../forge/git-fixture.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

type Res = { status: number; json: unknown }

describe.skipIf(skipReason)('pull requests API', () => {
  let server: TestServer
  let owner: string
  let stranger: string
  let bearer: Record<string, string>

  beforeAll(async () => {
    server = await startTestServer({ auth: 'token', env: { SQUAD_DATA_DIR: await tempDir('squad-data-') } })
    owner = server.bootstrapToken ?? ''
    stranger = await newUserToken(server, 'stranger')
    bearer = headerEnv(`Authorization: Bearer ${owner}`)
  })
  afterAll(async () => {
    await server?.stop()
    await removeTempDirs()
  })

  const api = (method: string, path: string, body?: unknown, token = owner): Promise<Res> =>
    server.request(method, `/api/v1${path}`, { body, token })
  const expectError = (res: Res, status: number, code: string) => {
    expect(res.status, JSON.stringify(res.json)).toBe(status)
    const { error } = ErrorBody.parse(res.json)
    expect(error.code).toBe(code)
    return error
  }

  /** A repository on the forge with `main` pushed (README and the given files), and a work tree on it. */
  async function newRepoWithMain(name: string, files: Record<string, string> = {}) {
    const repo = await newLocalRepository(server, { token: owner, name })
    const work = await newWorkTree()
    const url = server.deps.localForge.cloneUrl(repo)
    await gitOk(work, ['remote', 'add', 'origin', url])
    await commitFiles(work, { 'README.md': '# app\n', ...files }, 'docs: start')
    await gitOk(work, ['push', '-q', 'origin', 'main'], bearer)
    const push = (ref: string) => gitOk(work, ['push', '-q', 'origin', ref], bearer)
    const remoteSha = async (branch: string) =>
      (await gitOk(work, ['ls-remote', 'origin', `refs/heads/${branch}`], bearer)).split('\t')[0] ?? ''
    return { repo, work, push, remoteSha }
  }

  const openPr = (repo: RepoRef, head: string, extra: { taskId?: string } = {}) =>
    server.deps.localForge.createPullRequest({
      repo,
      head,
      base: 'main',
      title: `Work on ${head}`,
      body: 'The pipeline wrote this.',
      labels: ['agent-squad'],
      reviewers: ['alice'],
      ...extra,
    })

  const merge = (repo: RepoRef, number: number) =>
    api('POST', `/repositories/${repo.id}/pulls/${number}/merge`)

  it('lists commits and the diff of a branch with two commits (base...head, not base..head)', async () => {
    const { repo, work, push } = await newRepoWithMain('diffs', {
      'a.txt': 'one\ntwo\nthree\n',
      'old.txt': 'moving house\nwith all its lines\nintact\n',
      'gone.txt': 'bye\n',
    })
    await gitOk(work, ['checkout', '-q', '-b', 'task-1'])
    const c1 = await commitFiles(
      work,
      { 'a.txt': 'one\nTWO\nthree\n', 'src/new.ts': 'export const x = 1\nexport const y = 2\n' },
      'feat: first\n\nWith a body.',
    )
    await gitOk(work, ['mv', 'old.txt', 'renamed.txt'])
    const c2 = await commitFiles(
      work,
      { 'gone.txt': null, 'logo.bin': '\u0000\u0001\u0002binary' },
      'feat: second',
    )
    await push('task-1')
    // main moves on after the branch left it: that change is not part of the pull request.
    await gitOk(work, ['checkout', '-q', 'main'])
    await commitFiles(work, { 'README.md': '# app, elsewhere\n' }, 'docs: readme')
    await push('main')

    const pr = await openPr(repo, 'task-1')
    const commits = PullRequestCommits.parse(
      (await api('GET', `/repositories/${repo.id}/pulls/${pr.number}/commits`)).json,
    )
    expect(commits.truncated).toBe(false)
    expect(commits.items.map((c) => [c.sha, c.subject])).toEqual([
      [c1, 'feat: first'],
      [c2, 'feat: second'],
    ])
    expect(commits.items[0]).toMatchObject({
      message: 'feat: first\n\nWith a body.',
      author_name: 'Test Author',
      author_email: 'author@example.com',
    })
    expect(commits.items[1]?.parents).toEqual([c1])

    const res = await api('GET', `/repositories/${repo.id}/pulls/${pr.number}/diff`)
    expect(res.status, JSON.stringify(res.json)).toBe(200)
    const diff = PullRequestDiff.parse(res.json)
    expect(diff).toMatchObject({ base: 'main', head: 'task-1', head_sha: c2, truncated: false })
    expect(diff.files).toEqual([
      { path: 'a.txt', previous_path: null, status: 'M', additions: 1, deletions: 1, binary: false },
      { path: 'gone.txt', previous_path: null, status: 'D', additions: 0, deletions: 1, binary: false },
      { path: 'logo.bin', previous_path: null, status: 'A', additions: 0, deletions: 0, binary: true },
      {
        path: 'renamed.txt',
        previous_path: 'old.txt',
        status: 'R',
        additions: 0,
        deletions: 0,
        binary: false,
      },
      { path: 'src/new.ts', previous_path: null, status: 'A', additions: 2, deletions: 0, binary: false },
    ])
    expect([diff.additions, diff.deletions]).toEqual([3, 2])
    expect(diff.patch).toContain('diff --git a/a.txt b/a.txt\n')
    expect(diff.patch).toContain('-two\n+TWO\n')
    expect(diff.patch).toContain('rename from old.txt\nrename to renamed.txt\n')
    expect(diff.patch).not.toContain('README')

    // A small cap cuts the patch at a line boundary and says so; the file list stays whole.
    const capped = await readPullRequestDiff({
      db: server.db.database.db,
      forgeFor: server.deps.forgeFor,
      user: { ...User.parse((await api('GET', '/me')).json), isAdmin: true },
      repositoryId: repo.id,
      number: pr.number,
      maxBytes: 200,
    })
    expect(capped.truncated).toBe(true)
    expect(Buffer.byteLength(capped.patch)).toBeLessThanOrEqual(200)
    expect(capped.patch.endsWith('\n')).toBe(true)
    expect(diff.patch.startsWith(capped.patch)).toBe(true)
    expect(capped.files).toHaveLength(5)
  })

  it('names files as written in the diff, Unicode included, not octal-escaped', async () => {
    const { repo, work, push } = await newRepoWithMain('unicode-names')
    await gitOk(work, ['checkout', '-q', '-b', 'task-1'])
    await commitFiles(work, { 'docs/CCTV监控.txt': 'camera\n' }, 'docs: cameras')
    await push('task-1')
    const pr = await openPr(repo, 'task-1')
    const diff = PullRequestDiff.parse(
      (await api('GET', `/repositories/${repo.id}/pulls/${pr.number}/diff`)).json,
    )
    expect(diff.files.map((f) => f.path)).toEqual(['docs/CCTV监控.txt'])
    expect(diff.patch).toContain('diff --git a/docs/CCTV监控.txt b/docs/CCTV监控.txt\n')
    expect(diff.patch).toContain('+++ b/docs/CCTV监控.txt\n')
  })

  it('fast-forwards when the head descends from the base, and keeps the diff readable afterwards', async () => {
    const { repo, work, push, remoteSha } = await newRepoWithMain('ff')
    await gitOk(work, ['checkout', '-q', '-b', 'task-2'])
    const head = await commitFiles(work, { 'f.txt': 'f\n' }, 'feat: f')
    await push('task-2')
    const pr = await openPr(repo, 'task-2')

    const res = await merge(repo, pr.number)
    expect(res.status, JSON.stringify(res.json)).toBe(200)
    const merged = PullRequestMerge.parse(res.json)
    expect(merged).toMatchObject({ method: 'fast-forward', merge_commit: head })
    expect(merged.pull_request).toMatchObject({ state: 'merged', merge_commit: head })
    expect(merged.pull_request.merged_at).not.toBeNull()
    expect(await remoteSha('main')).toBe(head)

    const got = PullRequest.parse((await api('GET', `/repositories/${repo.id}/pulls/${pr.number}`)).json)
    expect(got).toEqual(merged.pull_request)
    expectError(await merge(repo, pr.number), 409, 'conflict')
    const diff = PullRequestDiff.parse(
      (await api('GET', `/repositories/${repo.id}/pulls/${pr.number}/diff`)).json,
    )
    expect(diff.files.map((f) => f.path)).toEqual(['f.txt'])
    const commits = PullRequestCommits.parse(
      (await api('GET', `/repositories/${repo.id}/pulls/${pr.number}/commits`)).json,
    )
    expect(commits.items.map((c) => c.sha)).toEqual([head])
  })

  it('writes a merge commit when the base moved on, with both parents and both changes', async () => {
    const { repo, work, push, remoteSha } = await newRepoWithMain('merge', { 'a.txt': 'a\n', 'b.txt': 'b\n' })
    await gitOk(work, ['checkout', '-q', '-b', 'task-3'])
    const head = await commitFiles(work, { 'a.txt': 'A\n' }, 'feat: big a')
    await push('task-3')
    await gitOk(work, ['checkout', '-q', 'main'])
    const base = await commitFiles(work, { 'b.txt': 'B\n' }, 'feat: big b')
    await push('main')
    const pr = await openPr(repo, 'task-3')

    const merged = PullRequestMerge.parse((await merge(repo, pr.number)).json)
    expect(merged.method).toBe('merge-commit')
    expect(await remoteSha('main')).toBe(merged.merge_commit)
    await gitOk(work, ['fetch', '-q', 'origin', 'main'], bearer)
    expect((await gitOk(work, ['rev-list', '--parents', '-n1', 'FETCH_HEAD'])).split(' ')).toEqual([
      merged.merge_commit,
      base,
      head,
    ])
    expect(await gitOk(work, ['show', 'FETCH_HEAD:a.txt'])).toBe('A')
    expect(await gitOk(work, ['show', 'FETCH_HEAD:b.txt'])).toBe('B')
    expect(await gitOk(work, ['log', '-1', '--format=%s%n%an', 'FETCH_HEAD'])).toBe(
      `Merge pull request #${pr.number} from task-3\nadmin`,
    )
  })

  it('answers 409 with the conflicting paths and leaves the base and the pull request as they were', async () => {
    const { repo, work, push, remoteSha } = await newRepoWithMain('conflict', {
      'a.txt': 'a\n',
      'c.txt': 'c\n',
      'ok.txt': 'ok\n',
    })
    await gitOk(work, ['checkout', '-q', '-b', 'task-4'])
    await commitFiles(work, { 'a.txt': 'branch\n', 'c.txt': 'branch\n', 'ok.txt': 'fine\n' }, 'feat: branch')
    await push('task-4')
    await gitOk(work, ['checkout', '-q', 'main'])
    const base = await commitFiles(work, { 'a.txt': 'main\n', 'c.txt': 'main\n' }, 'feat: main')
    await push('main')
    const pr = await openPr(repo, 'task-4')

    const error = expectError(await merge(repo, pr.number), 409, 'conflict')
    expect(error.details).toEqual({ conflicts: ['a.txt', 'c.txt'] })
    expect(error.message).toContain('a.txt')
    expect(await remoteSha('main')).toBe(base)
    const got = PullRequest.parse((await api('GET', `/repositories/${repo.id}/pulls/${pr.number}`)).json)
    expect(got.state).toBe('open')
  })

  it('moves the linked task to the end of done, emitting task.moved in the merge transaction', async () => {
    const { repo, work, push } = await newRepoWithMain('board')
    const newTask = async (status: string) => {
      const res = await api('POST', `/squads/${repo.squadId}/tasks`, { title: status, status })
      expect(res.status, JSON.stringify(res.json)).toBe(201)
      return Task.parse(res.json)
    }
    const finished = await newTask('done')
    const reviewed = await newTask('in_review')
    const waiting = await newTask('in_review')
    await gitOk(work, ['checkout', '-q', '-b', 'task-5'])
    await commitFiles(work, { 'x.txt': 'x\n' }, 'feat: x')
    await push('task-5')
    const pr = await openPr(repo, 'task-5', { taskId: reviewed.id })

    const merged = PullRequestMerge.parse((await merge(repo, pr.number)).json)
    expect(merged.pull_request.task_id).toBe(reviewed.id)
    const task = async (id: string) => Task.parse((await api('GET', `/tasks/${id}`)).json)
    expect(await task(reviewed.id)).toMatchObject({ status: 'done', position: 1 })
    expect(await task(finished.id)).toMatchObject({ status: 'done', position: 0 })
    expect(await task(waiting.id)).toMatchObject({ status: 'in_review', position: 0 })

    const rows = await server.db.database.db
      .select()
      .from(events)
      .where(eq(events.taskId, reviewed.id))
      .orderBy(asc(events.id))
    const tail = rows.slice(-2)
    expect(tail.map((r) => [r.type, r.scope])).toEqual([
      ['pull_request.merged', 'task'],
      ['task.moved', 'task'],
    ])
    for (const row of tail) eventsByType.get(row.type)?.payload.parse(row.payload)
    expect(tail[1]?.payload).toMatchObject({
      from_status: 'in_review',
      from_position: 0,
      task: { status: 'done' },
    })
  })

  it('closes and reopens through PATCH, lists by state, and refuses what cannot be', async () => {
    const { repo, work, push } = await newRepoWithMain('states')
    await gitOk(work, ['checkout', '-q', '-b', 'task-6'])
    await commitFiles(work, { 'y.txt': 'y\n' }, 'feat: y')
    await push('task-6')
    const first = await openPr(repo, 'task-6')
    const path = `/repositories/${repo.id}/pulls/${first.number}`

    const closed = await api('PATCH', path, { state: 'closed', title: 'Not now' })
    expect(PullRequest.parse(closed.json)).toMatchObject({ state: 'closed', title: 'Not now' })
    expectError(await merge(repo, first.number), 409, 'conflict')
    // The head is free again: the pipeline opens a new pull request for it.
    const second = await openPr(repo, 'task-6')
    expect(second).toMatchObject({ created: true, number: first.number + 1 })
    expectError(await api('PATCH', path, { state: 'open' }), 409, 'conflict')

    const list = async (query: string) =>
      page(PullRequest)
        .parse((await api('GET', `/repositories/${repo.id}/pulls${query}`)).json)
        .items.map((p) => p.number)
    expect(await list('')).toEqual([second.number, first.number])
    expect(await list('?state=open')).toEqual([second.number])
    expect(await list('?state=closed')).toEqual([first.number])
    const firstPage = page(PullRequest).parse(
      (await api('GET', `/repositories/${repo.id}/pulls?limit=1`)).json,
    )
    expect(firstPage.items.map((p) => p.number)).toEqual([second.number])
    const next = page(PullRequest).parse(
      (await api('GET', `/repositories/${repo.id}/pulls?limit=1&cursor=${firstPage.next_cursor}`)).json,
    )
    expect(next).toMatchObject({ next_cursor: null, items: [{ number: first.number }] })

    expect(PullRequestMerge.parse((await merge(repo, second.number)).json).method).toBe('fast-forward')
    expectError(
      await api('PATCH', `/repositories/${repo.id}/pulls/${second.number}`, { state: 'closed' }),
      409,
      'conflict',
    )
    const retitled = await api('PATCH', `/repositories/${repo.id}/pulls/${second.number}`, {
      title: 'Shipped',
    })
    expect(PullRequest.parse(retitled.json)).toMatchObject({ state: 'merged', title: 'Shipped' })
    // Reopening the first is possible now that the head has no open pull request.
    expect(PullRequest.parse((await api('PATCH', path, { state: 'open' })).json).state).toBe('open')
    expectError(await api('PATCH', path, { state: 'merged' }), 422, 'validation_failed')

    const types = (await server.db.database.db.select().from(events).where(eq(events.squadId, repo.squadId)))
      .map((r) => r.type)
      .filter((t) => t.startsWith('pull_request.'))
    expect(types).toEqual([
      'pull_request.opened',
      'pull_request.updated',
      'pull_request.opened',
      'pull_request.merged',
      'pull_request.updated',
      'pull_request.updated',
    ])
  })

  it("answers 404 for another user's pull requests and for unknown ones", async () => {
    const { repo, work, push } = await newRepoWithMain('mine')
    await gitOk(work, ['checkout', '-q', '-b', 'task-7'])
    await commitFiles(work, { 'z.txt': 'z\n' }, 'feat: z')
    await push('task-7')
    const pr = await openPr(repo, 'task-7')
    const base = `/repositories/${repo.id}/pulls`
    for (const [method, path] of [
      ['GET', base],
      ['GET', `${base}/${pr.number}`],
      ['GET', `${base}/${pr.number}/commits`],
      ['GET', `${base}/${pr.number}/diff`],
      ['POST', `${base}/${pr.number}/merge`],
      ['PATCH', `${base}/${pr.number}`],
    ] as const)
      expectError(
        await api(method, path, method === 'PATCH' ? { state: 'closed' } : undefined, stranger),
        404,
        'not_found',
      )
    expectError(await api('GET', `${base}/999`), 404, 'not_found')
    expectError(await api('GET', `${base}/zero`), 404, 'not_found')
    expectError(await api('GET', '/repositories/not-a-uuid/pulls'), 404, 'not_found')
    const got = PullRequest.parse((await api('GET', `${base}/${pr.number}`)).json)
    expect(got.state).toBe('open')
  })

  it('fast-forwards into a base branch that does not exist yet (the first pull request of an empty repository)', async () => {
    const repo = await newLocalRepository(server, { token: owner, name: 'empty' })
    const work = await newWorkTree('task-8')
    const head = await commitFiles(work, { 'first.txt': '1\n' }, 'feat: first file')
    await gitOk(work, ['push', '-q', server.deps.localForge.cloneUrl(repo), 'task-8'], bearer)
    const pr = await openPr(repo, 'task-8')
    const diff = PullRequestDiff.parse(
      (await api('GET', `/repositories/${repo.id}/pulls/${pr.number}/diff`)).json,
    )
    expect(diff).toMatchObject({ base_sha: null, files: [{ path: 'first.txt', status: 'A', additions: 1 }] })
    const merged = PullRequestMerge.parse((await merge(repo, pr.number)).json)
    expect(merged).toMatchObject({ method: 'fast-forward', merge_commit: head })
    expect(
      await gitOk(work, ['ls-remote', server.deps.localForge.cloneUrl(repo), 'refs/heads/main'], bearer),
    ).toBe(`${head}\trefs/heads/main`)
  })
})
