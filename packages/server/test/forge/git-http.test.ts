import { randomBytes } from 'node:crypto'
import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorBody } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiTokens, repositories, taskExecutions, tasks } from '../../src/db/schema.ts'
import { revokeGitTokens } from '../../src/forge/local/git-token.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import {
  commitFiles,
  git,
  gitOk,
  headerEnv,
  newLocalRepository,
  newUserToken,
  newWorkTree,
  removeTempDirs,
  tempDir,
} from './git-fixture.ts'

const withBasic = (url: string, token: string) => url.replace('http://', `http://git:${token}@`)

describe.skipIf(skipReason)('git smart HTTP, auth off (loopback)', () => {
  let server: TestServer
  /** A push needs a token even with auth off: the local user's, as `squad git-credential` hands it out. */
  let asLocal: Record<string, string>
  beforeAll(async () => {
    server = await startTestServer({ env: { SQUAD_DATA_DIR: await tempDir('squad-data-') } })
    asLocal = headerEnv(`Authorization: Bearer ${server.localToken}`)
  })
  afterAll(async () => {
    await server?.stop()
    await removeTempDirs()
  })

  it('clones an empty repository, pushes main and a branch, and fetches them from another clone', async () => {
    const repo = await newLocalRepository(server)
    const url = server.deps.localForge.cloneUrl(repo)
    expect(url).toBe(`${server.url}/git/${repo.squadId}/app.git`)

    const first = await tempDir()
    const cloned = await git(first, ['clone', url, 'app'])
    expect(cloned.code, cloned.stderr).toBe(0)
    expect(cloned.stderr).toMatch(/empty repository/)
    const work = join(first, 'app')
    const main = await commitFiles(work, { 'README.md': '# app\n' }, 'docs: readme')
    await gitOk(work, ['push', '-q', 'origin', 'main'], asLocal)
    await gitOk(work, ['checkout', '-q', '-b', 'task-1'])
    const branch = await commitFiles(work, { 'src/a.ts': 'export const a = 1\n' }, 'feat: a')
    await gitOk(work, ['push', '-q', 'origin', 'task-1'], asLocal)

    const second = await tempDir()
    await gitOk(second, ['clone', '-q', url, 'app'])
    const other = join(second, 'app')
    expect(await gitOk(other, ['rev-parse', 'HEAD'])).toBe(main)
    await gitOk(other, ['fetch', '-q', 'origin', 'task-1'])
    expect(await gitOk(other, ['rev-parse', 'FETCH_HEAD'])).toBe(branch)
    const remote = await gitOk(other, ['ls-remote', 'origin'])
    expect(remote).toContain(`${main}\trefs/heads/main`)
    expect(remote).toContain(`${branch}\trefs/heads/task-1`)
  })

  it('streams a push far larger than the API body limit (chunked, no Content-Length)', async () => {
    const repo = await newLocalRepository(server, { name: 'big' })
    const url = server.deps.localForge.cloneUrl(repo)
    const work = await newWorkTree()
    // Random bytes do not compress: the pack is as large as the file, five times the API's 1 MiB limit.
    await writeFile(join(work, 'blob.bin'), randomBytes(5 * 1024 * 1024))
    await gitOk(work, ['add', 'blob.bin'])
    await gitOk(work, ['commit', '-q', '-m', 'chore: big blob'])
    const pushed = await git(work, ['push', url, 'main'], {
      ...asLocal,
      GIT_TRACE_CURL: '1',
      GIT_TRACE_CURL_NO_DATA: '1',
    })
    expect(pushed.stderr).toMatch(/Send header: Transfer-Encoding: chunked/)
    expect(pushed.code, pushed.stderr).toBe(0)
    const check = await tempDir()
    await gitOk(check, ['clone', '-q', url, 'copy'])
    expect(await gitOk(join(check, 'copy'), ['rev-parse', 'HEAD'])).toBe(
      await gitOk(work, ['rev-parse', 'HEAD']),
    )
  })

  it('serves a gzip-compressed fetch request (git compresses request bodies over 1 KiB)', async () => {
    const repo = await newLocalRepository(server, { name: 'many' })
    const url = server.deps.localForge.cloneUrl(repo)
    const work = await newWorkTree()
    // Forty branches on forty commits: the clone's list of wanted commits is over 1 KiB.
    const stream = Array.from(
      { length: 40 },
      (_, i) =>
        `commit refs/heads/b${i}\ncommitter T <t@example.com> 1700000000 +0000\ndata ${String(i).length}\n${i}\n\n`,
    ).join('')
    expect((await git(work, ['fast-import', '--quiet'], {}, stream)).code).toBe(0)
    await gitOk(work, ['push', '-q', url, '--all'], asLocal)
    const target = await tempDir()
    const cloned = await git(target, ['clone', '--mirror', url, 'copy'], {
      GIT_TRACE_CURL: '1',
      GIT_TRACE_CURL_NO_DATA: '1',
    })
    expect(cloned.code, cloned.stderr).toBe(0)
    expect(cloned.stderr).toMatch(/Send header: Content-Encoding: gzip/)
    const branches = await gitOk(join(target, 'copy'), ['for-each-ref', '--format=%(refname)', 'refs/heads'])
    expect(branches.split('\n')).toHaveLength(40)
  })

  it("rejects a push with the pre-receive hook's message", async () => {
    const repo = await newLocalRepository(server, { name: 'hooked' })
    await server.deps.localForge.ensureRepository(repo)
    const hook = join(server.deps.localForge.repoPath(repo), 'hooks', 'pre-receive')
    await writeFile(hook, '#!/bin/sh\necho "policy: pushes to this repository are frozen" >&2\nexit 1\n')
    await chmod(hook, 0o755)
    const work = await newWorkTree()
    await commitFiles(work, { 'a.txt': 'a\n' }, 'chore: a')
    const pushed = await git(work, ['push', server.deps.localForge.cloneUrl(repo), 'main'], asLocal)
    expect(pushed.code).not.toBe(0)
    expect(pushed.stderr).toContain('policy: pushes to this repository are frozen')
    expect(pushed.stderr).toMatch(/pre-receive hook declined/)
  })

  it('answers 404 for unknown, remote and malformed repositories, and refuses the dumb protocol', async () => {
    const repo = await newLocalRepository(server, { name: 'known' })
    const [remote] = await server.db.database.db
      .insert(repositories)
      .values({
        id: crypto.randomUUID(),
        squadId: repo.squadId,
        name: 'elsewhere',
        kind: 'remote',
        url: 'https://example.com/x.git',
      })
      .returning()
    expect(remote).toBeDefined()
    const refs = (path: string) => `/git/${path}/info/refs?service=git-upload-pack`
    const cases: Array<[string, number, string]> = [
      [refs(`${repo.squadId}/missing.git`), 404, 'not_found'],
      [refs(`${repo.squadId}/elsewhere.git`), 404, 'not_found'],
      [refs(`${repo.squadId}/..%2F..%2Fetc.git`), 404, 'not_found'],
      [refs(`${repo.squadId}/.known.git`), 404, 'not_found'],
      [refs(`not-a-uuid/known.git`), 404, 'not_found'],
      [`/git/${repo.squadId}/known.git/HEAD`, 404, 'not_found'],
      [`/git/${repo.squadId}/known.git/objects/info/packs`, 404, 'not_found'],
      [`/git/${repo.squadId}/known.git/info/refs`, 400, 'bad_request'],
      [`/git/${repo.squadId}/known.git/info/refs?service=git-shell`, 400, 'bad_request'],
    ]
    for (const [path, status, code] of cases) {
      const res = await server.request('GET', path)
      expect(res.status, path).toBe(status)
      expect(ErrorBody.parse(res.json).error.code, path).toBe(code)
    }
    const wrongMethod = await server.request('GET', `/git/${repo.squadId}/known.git/git-upload-pack`)
    expect(wrongMethod.status).toBe(405)
    const ok = await fetch(`${server.url}${refs(`${repo.squadId}/known.git`)}`)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement')
    await ok.arrayBuffer()

    const cloned = await git(await tempDir(), ['clone', `${server.url}/git/${repo.squadId}/missing.git`])
    expect(cloned.code).not.toBe(0)
    expect(cloned.stderr).toMatch(/not found|404/)
  })

  it('hands out credentials when auth is off too (a push always needs a token)', async () => {
    const repo = await newLocalRepository(server, { name: 'open' })
    const credentials = await server.deps.localForge.credentials(repo, { executionId: crypto.randomUUID() })
    expect(credentials?.httpHeader).toMatch(/^Authorization: Bearer sqd_/)
  })
})

describe.skipIf(skipReason)('git smart HTTP, token auth', () => {
  let server: TestServer
  let owner: string
  beforeAll(async () => {
    server = await startTestServer({ auth: 'token', env: { SQUAD_DATA_DIR: await tempDir('squad-data-') } })
    owner = server.bootstrapToken ?? ''
  })
  afterAll(async () => {
    await server?.stop()
    await removeTempDirs()
  })

  it('clones and pushes with a Bearer header (http.extraHeader) and with Basic in the URL', async () => {
    const repo = await newLocalRepository(server, { token: owner })
    const url = server.deps.localForge.cloneUrl(repo)
    const bearer = headerEnv(`Authorization: Bearer ${owner}`)

    const work = await newWorkTree()
    const first = await commitFiles(work, { 'a.txt': 'a\n' }, 'chore: a')
    await gitOk(work, ['push', '-q', url, 'main'], bearer)

    const viaHeader = await tempDir()
    await gitOk(viaHeader, ['clone', '-q', url, 'app'], bearer)
    expect(await gitOk(join(viaHeader, 'app'), ['rev-parse', 'HEAD'])).toBe(first)

    const viaBasic = await tempDir()
    await gitOk(viaBasic, ['clone', '-q', withBasic(url, owner), 'app'])
    const clone = join(viaBasic, 'app')
    await gitOk(clone, ['checkout', '-q', '-b', 'task-2'])
    const second = await commitFiles(clone, { 'b.txt': 'b\n' }, 'chore: b')
    await gitOk(clone, ['push', '-q', 'origin', 'task-2'])
    await gitOk(work, ['fetch', '-q', url, 'task-2'], bearer)
    expect(await gitOk(work, ['rev-parse', 'FETCH_HEAD'])).toBe(second)
  })

  it('answers 401 with a Basic challenge without a token, and git fails cleanly', async () => {
    const repo = await newLocalRepository(server, { token: owner, name: 'guarded' })
    const url = server.deps.localForge.cloneUrl(repo)
    const res = await fetch(`${url}/info/refs?service=git-receive-pack`)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="agent-squad"/)
    expect(ErrorBody.parse(await res.json()).error.code).toBe('unauthorized')

    const work = await newWorkTree()
    await commitFiles(work, { 'a.txt': 'a\n' }, 'chore: a')
    const pushed = await git(work, ['push', url, 'main'])
    expect(pushed.code).not.toBe(0)
    expect(pushed.stderr).toMatch(/terminal prompts disabled|Authentication failed/)
    const wrong = await git(work, ['push', withBasic(url, 'sqd_not-a-real-token'), 'main'])
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toMatch(/Authentication failed/)
    expect(await gitOk(work, ['ls-remote', url], headerEnv(`Authorization: Bearer ${owner}`))).toBe('')
  })

  it("answers 404 for another user's repository, even with a valid token", async () => {
    const repo = await newLocalRepository(server, { token: owner, name: 'private' })
    const stranger = await newUserToken(server, 'stranger')
    const url = server.deps.localForge.cloneUrl(repo)
    const res = await fetch(`${url}/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Bearer ${stranger}` },
    })
    expect(res.status).toBe(404)
    const cloned = await git(await tempDir(), ['clone', withBasic(url, stranger)])
    expect(cloned.code).not.toBe(0)
    expect(cloned.stderr).toMatch(/not found|404/)
  })

  it("mints an execution token for the squad's owner that pushes until revoked", async () => {
    const repo = await newLocalRepository(server, { token: owner, name: 'piped' })
    const forge = server.deps.localForge
    const executionId = crypto.randomUUID()
    const taskId = crypto.randomUUID()
    await server.db.database.db
      .insert(tasks)
      .values({ id: taskId, squadId: repo.squadId, number: 1, title: 'piped', repositoryId: repo.id })
    await server.db.database.db
      .insert(taskExecutions)
      .values({ id: executionId, taskId, squadId: repo.squadId, gitBranch: 'task-1' })
    const credentials = await forge.credentials(repo, { executionId })
    expect(credentials?.httpHeader).toMatch(/^Authorization: Bearer sqd_/)
    const [row] = await server.db.database.db
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.name, `execution:${executionId}`))
    expect(row?.expiresAt?.getTime()).toBeGreaterThan(Date.now())
    expect(row?.expiresAt?.getTime()).toBeLessThanOrEqual(Date.now() + 5 * 3600_000)
    expect(JSON.stringify(row)).not.toContain(credentials?.httpHeader.split(' ').pop())

    const env = headerEnv(credentials?.httpHeader ?? '')
    // It pushes its execution's branch (push-policy.test.ts has what else it may not push).
    const work = await newWorkTree('task-1')
    await commitFiles(work, { 'a.txt': 'a\n' }, 'chore: a')
    await gitOk(work, ['push', '-q', forge.cloneUrl(repo), 'task-1'], env)

    // The pipeline's cleanup step releases them through the port; revoking again finds nothing left.
    await forge.releaseCredentials?.({ executionId })
    expect(await revokeGitTokens(server.db.database.db, executionId)).toBe(0)
    const denied = await git(work, ['ls-remote', forge.cloneUrl(repo)], env)
    expect(denied.code).not.toBe(0)
  })
})
