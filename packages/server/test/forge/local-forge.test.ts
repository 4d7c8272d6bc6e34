import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { asc, eq } from 'drizzle-orm'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, pullRequests } from '../../src/db/schema.ts'
import { createLocalForge } from '../../src/forge/local/local-forge.ts'
import { bareRepoPath } from '../../src/forge/local/repo-path.ts'
import { createPullRequest } from '../../src/pull-requests/create-pull-request.ts'
import { createLocalPullRequestStore } from '../../src/pull-requests/local-pull-request-store.ts'
import { skipReason, testDbKind } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { runForgeContract } from './forge.case.ts'
import { gitOk, newLocalRepository, removeTempDirs, tempDir } from './git-fixture.ts'

for (const auth of ['none', 'token'] as const)
  if (!skipReason)
    runForgeContract(`local (auth ${auth})`, {
      async setup() {
        const server = await startTestServer({ auth, env: { SQUAD_DATA_DIR: await tempDir('squad-data-') } })
        const token = server.bootstrapToken ?? undefined
        return {
          forge: server.deps.localForge,
          newRepo: (name) => newLocalRepository(server, { name, token }),
          stop: () => server.stop(),
        }
      },
    })

describe.skipIf(skipReason)('local forge', () => {
  let server: TestServer
  let dataDir: string
  beforeAll(async () => {
    dataDir = await tempDir('squad-data-')
    server = await startTestServer({ env: { SQUAD_DATA_DIR: dataDir } })
  })
  afterAll(async () => {
    await server?.stop()
    await removeTempDirs()
  })

  it('keeps bare repositories at <dataDir>/forge/<squad>/<name>.git, open to pushes over HTTP', async () => {
    const repo = await newLocalRepository(server, { name: 'layout', defaultBranch: 'trunk' })
    const forge = server.deps.localForge
    await forge.ensureRepository(repo)
    const path = join(dataDir, 'forge', repo.squadId, 'layout.git')
    expect(forge.repoPath(repo)).toBe(path)
    expect(await gitOk(path, ['rev-parse', '--is-bare-repository'])).toBe('true')
    expect(await gitOk(path, ['config', 'http.receivepack'])).toBe('true')
    expect((await readFile(join(path, 'HEAD'), 'utf8')).trim()).toBe('ref: refs/heads/trunk')

    // A changed default branch is what the next clone checks out.
    await forge.ensureRepository({ ...repo, defaultBranch: 'main' })
    expect((await readFile(join(path, 'HEAD'), 'utf8')).trim()).toBe('ref: refs/heads/main')
  })

  it('refuses names that could leave the forge folder', () => {
    const squadId = crypto.randomUUID()
    for (const name of ['..', '../x', 'a/b', '.hidden', '-rf', 'x.git', ''])
      expect(() => bareRepoPath('/srv/forge', { squadId, name }), name).toThrow()
    expect(() => bareRepoPath('/srv/forge', { squadId: '../..', name: 'ok' })).toThrow()
    expect(bareRepoPath('/srv/forge', { squadId, name: 'ok.name_1' })).toBe(
      `/srv/forge/${squadId}/ok.name_1.git`,
    )
  })

  it('builds URLs from SQUAD_PUBLIC_URL when set, else from the listening address once known', () => {
    const repo = {
      id: crypto.randomUUID(),
      squadId: crypto.randomUUID(),
      name: 'app',
      kind: 'local' as const,
      url: null,
      defaultBranch: 'main',
      credentialSecret: null,
      github: null,
    }
    const db = server.db.database.db
    const store = createLocalPullRequestStore({ db, baseUrl: () => 'http://127.0.0.1:4321' })
    const pending = createLocalForge({ db, root: '/srv/forge', authMode: 'none', pullRequests: store })
    expect(() => pending.cloneUrl(repo)).toThrow(/not listening/)
    pending.setListenUrl('http://127.0.0.1:4321/')
    expect(pending.cloneUrl(repo)).toBe(`http://127.0.0.1:4321/git/${repo.squadId}/app.git`)
    const proxied = createLocalForge({
      db,
      pullRequests: store,
      root: '/srv/forge',
      authMode: 'none',
      publicUrl: 'https://squad.example.com/',
    })
    proxied.setListenUrl('http://127.0.0.1:4321')
    expect(proxied.cloneUrl(repo)).toBe(`https://squad.example.com/git/${repo.squadId}/app.git`)
    expect(() => proxied.cloneUrl({ ...repo, kind: 'remote' })).toThrow(/not on the local forge/)
  })

  it('writes pull_request.opened and .updated events with the task and execution ids', async () => {
    const repo = await newLocalRepository(server, { name: 'evented' })
    const executionId = crypto.randomUUID()
    const draft = {
      repo,
      head: 'task-3',
      base: 'main',
      title: 'feat: three',
      body: 'Closes #3',
      labels: ['agent'],
      reviewers: ['alice'],
      executionId,
    }
    const db = server.db.database.db
    const baseUrl = server.deps.localForge.baseUrl()
    const opened = await createPullRequest({ db, draft, baseUrl })
    expect(opened.created).toBe(true)
    expect(opened.pullRequest).toMatchObject({
      number: 1,
      state: 'open',
      execution_id: executionId,
      task_id: null,
    })
    expect(opened.pullRequest.url).toBe(`${server.url}/repositories/${repo.id}/pulls/1`)
    // Same content again: nothing changes, no event.
    expect((await createPullRequest({ db, draft, baseUrl })).created).toBe(false)
    await createPullRequest({ db, draft: { ...draft, labels: ['agent', 'review'] }, baseUrl })
    const rows = await db
      .select()
      .from(events)
      .where(eq(events.squadId, repo.squadId))
      .orderBy(asc(events.id))
    const prEvents = rows.filter((r) => r.type.startsWith('pull_request.'))
    expect(prEvents.map((r) => [r.type, r.executionId])).toEqual([
      ['pull_request.opened', executionId],
      ['pull_request.updated', executionId],
    ])
    const [row] = await db.select().from(pullRequests).where(eq(pullRequests.repositoryId, repo.id))
    expect(row?.labels).toEqual(['agent', 'review'])
  })

  it.skipIf(testDbKind === 'pglite')(
    'finds the winner after a unique violation when a reopen races a create (PGlite: one connection, skipped)',
    async () => {
      const repo = await newLocalRepository(server, { name: 'reopen-race' })
      const db = server.db.database.db
      const baseUrl = server.deps.localForge.baseUrl()
      const draft = { repo, head: 'task-4', base: 'main', title: 'four', body: '', labels: [], reviewers: [] }
      const first = await createPullRequest({ db, draft, baseUrl })
      await db.update(pullRequests).set({ state: 'closed' }).where(eq(pullRequests.id, first.pullRequest.id))

      // Another connection reopens #1 without committing; the create then inserts #2 for the same head,
      // waits on the partial unique index, fails with 23505 once the reopen commits, and starts over.
      const other = new pg.Client({ connectionString: server.db.url ?? '' })
      await other.connect()
      try {
        await other.query('begin')
        await other.query(`update pull_requests set state = 'open' where id = $1`, [first.pullRequest.id])
        const racing = createPullRequest({ db, draft: { ...draft, title: 'four, again' }, baseUrl })
        await new Promise((resolve) => setTimeout(resolve, 300))
        await other.query('commit')
        const result = await racing
        expect(result).toMatchObject({
          created: false,
          pullRequest: { number: 1, title: 'four, again', state: 'open' },
        })
      } finally {
        await other.end()
      }
      const rows = await db.select().from(pullRequests).where(eq(pullRequests.repositoryId, repo.id))
      expect(rows).toHaveLength(1)
    },
  )
})
