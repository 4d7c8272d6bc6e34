import { fileURLToPath } from 'node:url'
import { ErrorBody } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { taskExecutions, tasks } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import type { RepoRef } from '../../src/forge/forge.ts'
import { shellCommand } from '../../src/git/shell-quote.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import {
  commitFiles,
  git,
  gitOk,
  headerEnv,
  newLocalRepository,
  newWorkTree,
  removeTempDirs,
  tempDir,
} from './git-fixture.ts'

const bin = fileURLToPath(new URL('../../bin/squad.js', import.meta.url))
const bearer = (token: string) => headerEnv(`Authorization: Bearer ${token}`)

/**
 * The local forge's push rules (forge/local/push-policy.ts), on a server with auth off: the mode in
 * which anyone on this machine, a sandboxed agent included, reaches git smart HTTP without a token.
 */
describe.skipIf(skipReason)('push rules of the local forge, auth off', () => {
  let server: TestServer
  let local: string
  beforeAll(async () => {
    server = await startTestServer({ env: { SQUAD_DATA_DIR: await tempDir('squad-data-') } })
    local = server.localToken ?? ''
  })
  afterAll(async () => {
    await server?.stop()
    await removeTempDirs()
  })

  /** A task of the repository's squad numbered `n`, and an execution of it on `branch`. */
  async function executionOn(repo: RepoRef, n: number, branch: string | null) {
    const taskId = newId()
    const executionId = newId()
    const db = server.db.database.db
    await db
      .insert(tasks)
      .values({ id: taskId, squadId: repo.squadId, number: n, title: `t${n}`, repositoryId: repo.id })
    await db
      .insert(taskExecutions)
      .values({ id: executionId, taskId, squadId: repo.squadId, gitBranch: branch, status: 'running' })
    const credentials = await server.deps.localForge.credentials(repo, { executionId })
    if (!credentials) throw new Error('the local forge handed out no credentials')
    return headerEnv(credentials.httpHeader)
  }

  /** A repository whose main has one commit (pushed with the local token), and a work tree on it. */
  async function repoWithMain(name: string) {
    const repo = await newLocalRepository(server, { name })
    const url = server.deps.localForge.cloneUrl(repo)
    const work = await newWorkTree()
    const main = await commitFiles(work, { 'README.md': `# ${name}\n` }, 'docs: readme')
    await gitOk(work, ['push', '-q', url, 'main'], bearer(local))
    return { repo, url, work, main }
  }

  it('refuses an anonymous push (401 with a challenge), and still serves an anonymous clone', async () => {
    const { url, work, main } = await repoWithMain('anonymous')
    const res = await fetch(`${url}/info/refs?service=git-receive-pack`)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="agent-squad"/)
    expect(ErrorBody.parse(await res.json()).error.message).toMatch(/push needs a token, even with auth off/)

    await commitFiles(work, { 'evil.txt': 'x\n' }, 'chore: evil')
    const pushed = await git(work, ['push', url, 'HEAD:refs/heads/main'])
    expect(pushed.code).not.toBe(0)
    const branch = await git(work, ['push', url, 'HEAD:refs/heads/evil'])
    expect(branch.code).not.toBe(0)
    const listed = await gitOk(work, ['ls-remote', url])
    expect(listed).toBe(`${main}\tHEAD\n${main}\trefs/heads/main`)

    const clone = await tempDir()
    await gitOk(clone, ['clone', '-q', url, 'copy'])
  })

  it('pushes with the local token through `squad git-credential` (the README walk)', async () => {
    const repo = await newLocalRepository(server, { name: 'helped' })
    const url = server.deps.localForge.cloneUrl(repo)
    const work = await newWorkTree()
    const helper = `!${shellCommand([process.execPath, bin, 'git-credential', '--data-dir', server.deps.config.dataDir])}`
    await gitOk(work, ['config', 'credential.helper', helper])
    const first = await commitFiles(work, { 'README.md': '# hello\n' }, 'chore: first commit')
    await gitOk(work, ['push', '-q', url, 'main'])
    expect(await gitOk(work, ['ls-remote', url, 'refs/heads/main'])).toBe(`${first}\trefs/heads/main`)
  })

  it("lets an execution's token push its own branch, and refuses main and another task's branch", async () => {
    const { repo, url, work, main } = await repoWithMain('scoped')
    const asExecution = await executionOn(repo, 3, 'task-3')
    await gitOk(work, ['checkout', '-q', '-b', 'task-3'])
    const own = await commitFiles(work, { 'a.txt': 'a\n' }, 'feat: a')
    await gitOk(work, ['push', '-q', url, 'task-3'], asExecution)
    // Its own branch takes a rewrite too (the pipeline's rebase onto a moved base).
    await gitOk(work, ['commit', '-q', '--amend', '-m', 'feat: a, again'])
    await gitOk(work, ['push', '-q', '--force', url, 'task-3'], asExecution)

    const toMain = await git(work, ['push', url, 'HEAD:refs/heads/main'], asExecution)
    expect(toMain.code).not.toBe(0)
    expect(toMain.stderr).toContain(
      "refused: an execution's token never pushes to the default branch main: it changes only by merging a pull request",
    )
    expect(toMain.stderr).toMatch(/\[remote rejected\] HEAD -> main/)

    const toOther = await git(work, ['push', url, 'HEAD:refs/heads/task-4'], asExecution)
    expect(toOther.code).not.toBe(0)
    expect(toOther.stderr).toContain(
      "refused: an execution's token may push only its own branch task-3, not task-4",
    )
    const toTag = await git(work, ['push', url, 'HEAD:refs/tags/v1'], asExecution)
    expect(toTag.code).not.toBe(0)
    // Nothing of it landed: main as it was, no task-4, no tag; task-3 at the execution's rewrite.
    const listed = await gitOk(work, ['ls-remote', url])
    expect(listed).toContain(`${main}\trefs/heads/main`)
    expect(listed).not.toContain('task-4')
    expect(listed).not.toContain('refs/tags')
    expect(listed).not.toContain(own)
    expect(listed).toContain(`${await gitOk(work, ['rev-parse', 'HEAD'])}\trefs/heads/task-3`)
  })

  it("refuses an execution's token another repository, and one whose execution has no branch", async () => {
    const { repo } = await repoWithMain('home')
    const other = await repoWithMain('elsewhere')
    const asExecution = await executionOn(repo, 5, 'task-5')
    const res = await fetch(`${other.url}/info/refs?service=git-upload-pack`, {
      headers: { authorization: asExecution.GIT_CONFIG_VALUE_0?.replace(/^Authorization: /, '') ?? '' },
    })
    expect(res.status).toBe(403)
    expect(ErrorBody.parse(await res.json()).error.message).toMatch(/do not include repository elsewhere/)

    const planOnly = await executionOn(repo, 6, null)
    const work = await newWorkTree('task-6')
    await commitFiles(work, { 'p.txt': 'p\n' }, 'chore: p')
    const pushed = await git(work, ['push', server.deps.localForge.cloneUrl(repo), 'task-6'], planOnly)
    expect(pushed.code).not.toBe(0)
    expect(pushed.stderr).toContain('refused: this execution has no branch to push')
  })

  it("keeps a person's pushes off a non-empty default branch's history: fast-forwards only, no delete", async () => {
    const { url, work } = await repoWithMain('protected')
    const ahead = await commitFiles(work, { 'b.txt': 'b\n' }, 'feat: b')
    await gitOk(work, ['push', '-q', url, 'main'], bearer(local))

    await gitOk(work, ['reset', '-q', '--hard', 'HEAD~1'])
    await commitFiles(work, { 'c.txt': 'c\n' }, 'feat: c, beside b')
    const forced = await git(work, ['push', '--force', url, 'main'], bearer(local))
    expect(forced.code).not.toBe(0)
    expect(forced.stderr).toContain('refused: the default branch main takes no force push')
    const deleted = await git(work, ['push', url, ':main'], bearer(local))
    expect(deleted.code).not.toBe(0)
    expect(deleted.stderr).toContain('refused: the default branch main cannot be deleted')
    expect(await gitOk(work, ['ls-remote', url, 'refs/heads/main'])).toBe(`${ahead}\trefs/heads/main`)

    // Any other branch is the person's to rewrite or delete.
    await gitOk(work, ['push', '-q', url, 'HEAD:refs/heads/scratch'], bearer(local))
    await gitOk(work, ['push', '-q', url, ':scratch'], bearer(local))
  })
})
