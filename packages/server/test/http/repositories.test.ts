import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ErrorBody, eventsByType, page, Repository } from '@agent-squad/contract'
import { asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, repositories, squads, tasks, users } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import { makeBareRepo, startHttpGitRemote } from '../helpers/git-remote-server.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

type Res = { status: number; json: unknown }
const expectError = (res: Res, status: number, code: string) => {
  expect(res.status, JSON.stringify(res.json)).toBe(status)
  const error = ErrorBody.parse(res.json).error
  expect(error.code).toBe(code)
  return error
}
const createSquad = async (server: TestServer) =>
  ((await server.request('POST', '/api/v1/squads', { body: { name: 'Core' } })).json as { id: string }).id
const post = (server: TestServer, squadId: string, body: unknown) =>
  server.request('POST', `/api/v1/squads/${squadId}/repositories`, { body })

describe.skipIf(skipReason)('repositories API', () => {
  let server: TestServer
  const db = () => server.db.database.db
  const repositoryEvents = async (squadId: string) => {
    const rows = await db().select().from(events).where(eq(events.squadId, squadId)).orderBy(asc(events.id))
    return rows
      .filter((row) => row.type.startsWith('repository.'))
      .map((row) => ({ type: row.type, payload: eventsByType.get(row.type)?.payload.parse(row.payload) }))
  }

  beforeAll(async () => {
    server = await startTestServer({ env: { SQUAD_PUBLIC_URL: 'https://squad.example.com/' } })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('creates a local repository record with its clone URL, then reads, patches and deletes it', async () => {
    const squadId = await createSquad(server)
    const created = await post(server, squadId, { name: 'web-app' })
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    const repo = Repository.parse(created.json)
    expect(repo).toMatchObject({
      squad_id: squadId,
      name: 'web-app',
      kind: 'local',
      url: null,
      clone_url: `https://squad.example.com/git/${squadId}/web-app.git`,
      default_branch: 'main',
    })

    const got = await server.request('GET', `/api/v1/repositories/${repo.id}`)
    expect(got.status).toBe(200)
    expect(got.json).toEqual(repo)

    const patched = await server.request('PATCH', `/api/v1/repositories/${repo.id}`, {
      body: { default_branch: 'release/2.x' },
    })
    expect(patched.status).toBe(200)
    const updated = Repository.parse(patched.json)
    expect(updated).toMatchObject({ default_branch: 'release/2.x', clone_url: repo.clone_url })

    const taskId = newId()
    await db().insert(tasks).values({ id: taskId, squadId, number: 1, title: 't', repositoryId: repo.id })
    expect((await server.request('DELETE', `/api/v1/repositories/${repo.id}`)).status).toBe(204)
    expectError(await server.request('GET', `/api/v1/repositories/${repo.id}`), 404, 'not_found')
    const [task] = await db().select().from(tasks).where(eq(tasks.id, taskId))
    expect(task?.repositoryId).toBeNull()

    expect(await repositoryEvents(squadId)).toEqual([
      { type: 'repository.created', payload: repo },
      { type: 'repository.updated', payload: updated },
      { type: 'repository.deleted', payload: { id: repo.id } },
    ])
  })

  it('connects remotes: the clone URL is the URL itself', async () => {
    const squadId = await createSquad(server)
    // A remote is checked before it is saved, so it must exist: a real one on this machine.
    const remote = await startHttpGitRemote({ token: 'tok-connects-remotes' })
    try {
      await makeBareRepo(join(remote.root, 'api.git'), {
        files: { 'a.txt': 'a\n' },
        branches: ['main', 'develop'],
      })
      const secret = await server.request('PUT', `/api/v1/squads/${squadId}/secrets/API_TOKEN`, {
        body: { value: 'tok-connects-remotes' },
      })
      expect(secret.status).toBe(201)
      const url = remote.url('api')
      const res = await post(server, squadId, {
        name: 'https',
        url,
        credential_secret: 'API_TOKEN',
        default_branch: 'develop',
      })
      expect(res.status, JSON.stringify(res.json)).toBe(201)
      expect(Repository.parse(res.json)).toMatchObject({
        name: 'https',
        kind: 'remote',
        url,
        clone_url: url,
        default_branch: 'develop',
        credential_secret: 'API_TOKEN',
        check: { reachable: true, default_branch: 'develop' },
      })
    } finally {
      await remote.stop()
    }
    const list = page(Repository).parse(
      (await server.request('GET', `/api/v1/squads/${squadId}/repositories`)).json,
    )
    expect(list.items.map((r) => r.name)).toEqual(['https'])
    expect(list.next_cursor).toBeNull()
  })

  it('refuses dangerous URLs and names with 422 and writes nothing', async () => {
    const squadId = await createSquad(server)
    const bad = [
      { name: 'a', url: 'ext::sh -c touch% /tmp/pwned' },
      { name: 'a', url: 'ext::sh' },
      { name: 'a', url: '--upload-pack=touch /tmp/x' },
      { name: 'a', url: 'https://github.com/a/b --upload-pack=x' },
      { name: 'a', url: '-oProxyCommand=x' },
      { name: 'a', url: 'https://user:tok@github.com/a/b' },
      { name: 'a', url: 'https://tok@github.com/a/b' },
      { name: 'a', url: 'file:///etc' },
      { name: 'a', url: 'ftp://example.com/a.git' },
      { name: 'a', url: '/etc/passwd' },
      { name: 'a', url: 'https://github.com/a/b\nx' },
      { name: 'a;rm -rf' },
      { name: '$(id)' },
      { name: '`id`' },
      { name: '../escape' },
      { name: 'x.git' },
      { name: '-x' },
      { name: '' },
      { name: 'a', default_branch: '--force' },
      { name: 'a', default_branch: 'a..b' },
      { name: 'a', kind: 'remote' },
    ]
    for (const body of bad) expectError(await post(server, squadId, body), 422, 'validation_failed')
    expect(await db().select().from(repositories).where(eq(repositories.squadId, squadId))).toEqual([])
    expect(await repositoryEvents(squadId)).toEqual([])
  })

  it('names SQUAD_LOCAL_REPO_ROOTS when file:// URLs are not allowed', async () => {
    const squadId = await createSquad(server)
    const error = expectError(
      await post(server, squadId, { name: 'etc', url: 'file:///etc' }),
      422,
      'validation_failed',
    )
    expect(error.message).toContain('SQUAD_LOCAL_REPO_ROOTS')
    expect(error.details).toEqual({ issues: [expect.objectContaining({ path: 'url' })] })
  })

  it("refuses a URL of this server's own forge, under any name for this machine, with 422", async () => {
    const squadId = await createSquad(server)
    const { port } = server
    const own = server.deps.localForge.cloneUrl({
      id: newId(),
      squadId,
      name: 'app',
      kind: 'local',
      url: null,
      defaultBranch: 'main',
      credentialSecret: null,
      github: null,
    })
    const urls = [
      own, // the public URL (SQUAD_PUBLIC_URL)
      `http://127.0.0.1:${port}/git/${squadId}/app.git`,
      `http://localhost:${port}/git/${squadId}/app.git`,
      `http://127.9.8.7:${port}/git/${squadId}/app.git`,
      // "::" is refused anyway (git's remote helpers), so IPv6 loopback is written out in full.
      `http://[0:0:0:0:0:0:0:1]:${port}/git/${squadId}/app.git`,
      `http://[0:0:0:0:0:ffff:7f00:1]:${port}/git/${squadId}/app.git`,
      `http://0.0.0.0:${port}/git/${squadId}/app.git`,
      `http://2130706433:${port}/git/${squadId}/app.git`,
      `http://api.localhost:${port}/git/${squadId}/app.git`,
    ]
    for (const url of urls) {
      const error = expectError(await post(server, squadId, { name: 'loop', url }), 422, 'validation_failed')
      expect(error.message, url).toContain(
        "points at this server's own forge: connect the repository by name",
      )
      expect(error.details).toEqual({ issues: [expect.objectContaining({ path: 'url' })] })
    }
    expect(await db().select().from(repositories).where(eq(repositories.squadId, squadId))).toEqual([])
    // Another port on this machine is another server (a local Gitea, say): not refused as this
    // server's forge, but checked like any remote (and nobody answers there).
    const other = expectError(
      await post(server, squadId, { name: 'gitea', url: `http://127.0.0.1:${port + 1}/a/b.git` }),
      422,
      'validation_failed',
    )
    expect(other.message).not.toContain('own forge')
    expect(other.details).toMatchObject({ problem: 'unreachable' })
  })

  it('answers 409 for a duplicate name in the same squad, even when two requests race', async () => {
    const squadId = await createSquad(server)
    expect((await post(server, squadId, { name: 'api' })).status).toBe(201)
    const dup = expectError(
      await post(server, squadId, { name: 'api', url: 'https://github.com/a/api' }),
      409,
      'conflict',
    )
    expect(dup.message).toContain('"api"')

    const raced = await Promise.all([
      post(server, squadId, { name: 'twin' }),
      post(server, squadId, { name: 'twin' }),
    ])
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409])

    // Names are per squad: another squad may reuse one.
    expect((await post(server, await createSquad(server), { name: 'api' })).status).toBe(201)
    expect((await repositoryEvents(squadId)).map((e) => e.type)).toEqual([
      'repository.created',
      'repository.created',
    ])
  })

  it('pages, and answers bad bodies with the one error shape', async () => {
    const squadId = await createSquad(server)
    for (let i = 0; i < 5; i++) await post(server, squadId, { name: `r${i}` })
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res = await server.request(
        'GET',
        `/api/v1/squads/${squadId}/repositories?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      )
      const body: { items: Repository[]; next_cursor: string | null } = page(Repository).parse(res.json)
      seen.push(...body.items.map((r) => r.name))
      cursor = body.next_cursor
    } while (cursor)
    expect(seen).toEqual(['r0', 'r1', 'r2', 'r3', 'r4'])
    expectError(
      await server.request('GET', `/api/v1/squads/${squadId}/repositories?cursor=x`),
      422,
      'validation_failed',
    )

    const path = `/api/v1/squads/${squadId}/repositories`
    expectError(
      await server.request('POST', path, { raw: '{', headers: { 'content-type': 'application/json' } }),
      400,
      'invalid_json',
    )
    expectError(await server.request('POST', path, { raw: '' }), 400, 'bad_request')
    expectError(
      await server.request('POST', path, { raw: 'name=x', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    )

    const [first] = (await db().select().from(repositories).where(eq(repositories.squadId, squadId))) ?? []
    const patch = (body: unknown) => server.request('PATCH', `/api/v1/repositories/${first?.id}`, { body })
    expectError(await patch({ default_branch: '-b' }), 422, 'validation_failed')
    expectError(await patch({ name: 'renamed' }), 422, 'validation_failed')
    expectError(await patch({ url: 'https://github.com/a/b' }), 422, 'validation_failed')
  })

  it('answers 404 for unknown, malformed and other users’ ids alike', async () => {
    const otherUser = newId()
    const otherSquad = newId()
    const otherRepo = newId()
    await db().insert(users).values({ id: otherUser, name: 'mallory' })
    await db().insert(squads).values({ id: otherSquad, userId: otherUser, name: 'theirs' })
    await db()
      .insert(repositories)
      .values({ id: otherRepo, squadId: otherSquad, name: 'secret', kind: 'local' })

    for (const squadId of [newId(), 'not-a-uuid', otherSquad]) {
      expectError(await server.request('GET', `/api/v1/squads/${squadId}/repositories`), 404, 'not_found')
      expectError(await post(server, squadId, { name: 'x' }), 404, 'not_found')
    }
    for (const id of [newId(), 'not-a-uuid', otherRepo]) {
      expectError(await server.request('GET', `/api/v1/repositories/${id}`), 404, 'not_found')
      expectError(
        await server.request('PATCH', `/api/v1/repositories/${id}`, { body: { default_branch: 'dev' } }),
        404,
        'not_found',
      )
      expectError(await server.request('DELETE', `/api/v1/repositories/${id}`), 404, 'not_found')
    }
    const [theirs] = await db().select().from(repositories).where(eq(repositories.id, otherRepo))
    expect(theirs?.defaultBranch).toBe('main')
    expect(await db().select().from(events).where(eq(events.squadId, otherSquad))).toEqual([])
  })
})

describe.skipIf(skipReason)('repositories API with SQUAD_LOCAL_REPO_ROOTS', () => {
  let server: TestServer
  let root: string
  let outside: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'squad-roots-'))
    outside = mkdtempSync(join(tmpdir(), 'squad-outside-'))
    await makeBareRepo(join(root, 'project'), { files: { 'a.txt': 'a\n' } })
    mkdirSync(`${root}-evil`, { recursive: true })
    symlinkSync(outside, join(root, 'link-out'))
    server = await startTestServer({ env: { SQUAD_LOCAL_REPO_ROOTS: `/nonexistent-root:${root}` } })
  })
  afterAll(async () => {
    await server?.stop()
    for (const dir of [root, outside, `${root}-evil`]) if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('accepts file:// URLs under a root and refuses every escape', async () => {
    const squadId = await createSquad(server)
    const ok = await post(server, squadId, { name: 'project', url: `file://${root}/project` })
    expect(ok.status, JSON.stringify(ok.json)).toBe(201)
    expect(Repository.parse(ok.json)).toMatchObject({ kind: 'remote', clone_url: `file://${root}/project` })
    // A path under a root passes the URL rules, but the check finds no repository there yet.
    const later = expectError(
      await post(server, squadId, { name: 'later', url: `file://${root}/later/x` }),
      422,
      'validation_failed',
    )
    expect(later.details).toMatchObject({ problem: 'not_found' })

    for (const url of [
      'file:///etc',
      `file://${root}/../etc`,
      `file://${root}/%2E%2E/etc`,
      `file://${root}-evil/repo`,
      `file://${root}/link-out`,
      `file://otherhost${root}/project`,
      `file://${root}/a%2Fb`,
    ]) {
      const error = expectError(await post(server, squadId, { name: 'x', url }), 422, 'validation_failed')
      expect(error.message, url).toMatch(/SQUAD_LOCAL_REPO_ROOTS|file:\/\/\/absolute\/path/)
    }
  })
})
