import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Agent, Repository, Squad } from '@agent-squad/contract'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, repositories } from '../../src/db/schema.ts'
import { formsOf } from '../../src/secrets/redactor.ts'
import {
  branchHead,
  gitIn,
  type HttpGitRemote,
  makeBareRepo,
  type SshGitRemote,
  sshdSkip,
  startHttpGitRemote,
  startSshGitRemote,
} from '../helpers/git-remote-server.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { downloadLog, pipelineSkip } from './git-fixture.ts'
import { createTask, startTask, waitForExecution } from './pipeline-fixture.ts'

/** Every form of `secret` (plain, URL-encoded, base64) found in `text`. */
const leaks = (text: string, secret: string) => formsOf(secret).filter((form) => text.includes(form))

/** The lines of an ssh key that carry key material: each must stay out of everything too. */
const keyLines = (key: string) =>
  key
    .split('\n')
    .filter((line) => line && !line.startsWith('-----'))
    .concat(key.trim())

/** Every file under `root` as text, except git's object store. */
async function filesUnder(root: string): Promise<{ path: string; text: string }[]> {
  const found: { path: string; text: string }[] = []
  if (!existsSync(root)) return found
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    if (path.split('/').includes('objects') || (await stat(path)).size > 4 * 1024 * 1024) continue
    found.push({ path, text: await readFile(path, 'latin1') })
  }
  return found
}

const TOKEN = 'glpat-remote-token-0123456789'

/** The script the agent runs: a change to push, and what the agent could see of the environment. */
const SCRIPT = [
  'echo "from the agent" > agent.txt',
  '{ echo "## env"; env; echo "## .git/config"; cat .git/config; } > probe.txt 2>&1',
].join('\n')

/**
 * A repository connected by URL, end to end against real remotes on this machine: an https one
 * (git http-backend behind Basic auth with a token) and an ssh one (an sshd of the test's own with a
 * deploy key). Created only after its check passes; a run pushes `task-N` there and opens no pull
 * request; the credential reaches no agent, log, event, row or file.
 */
describe.skipIf(pipelineSkip)('a repository on any git remote', () => {
  let server: TestServer
  let http: HttpGitRemote
  let squad: Squad
  let agent: Agent

  const api = (method: string, path: string, body?: unknown) =>
    server.request(method, `/api/v1${path}`, body === undefined ? {} : { body })
  const putSecret = async (name: string, value: string) => {
    const res = await api('PUT', `/squads/${squad.id}/secrets/${name}`, { value })
    expect(res.status, JSON.stringify(res.json)).toBeLessThan(300)
  }
  const repoCount = async () =>
    (await server.deps.database.db.select().from(repositories).where(eq(repositories.squadId, squad.id)))
      .length

  /** Creates a repository that must be refused: 422 naming `problem`, with nothing written. */
  async function refused(body: Record<string, unknown>, problem: string, message: RegExp) {
    const before = await repoCount()
    const res = await api('POST', `/squads/${squad.id}/repositories`, body)
    expect(res.status, JSON.stringify(res.json)).toBe(422)
    const error = (res.json as { error: { code: string; message: string; details?: { problem?: string } } })
      .error
    expect(error.code).toBe('validation_failed')
    expect(error.message).toMatch(message)
    expect(error.details?.problem).toBe(problem)
    expect(await repoCount()).toBe(before)
    return error
  }

  /** Runs a task on `repo` with the script agent; returns the finished execution and its log. */
  async function runTask(repo: Repository, title: string) {
    const task = await createTask(server, squad.id, {
      title,
      repository_id: repo.id,
      assignee_id: agent.id,
      script: SCRIPT,
    })
    const started = await startTask(server, task.id)
    const done = await waitForExecution(server, started.id, { timeoutMs: 90_000 })
    const log = await downloadLog(server, done.id)
    return { task, done, log }
  }

  /** Looks for every form of each secret in the events, the rows, the server's files and `more`. */
  async function expectNowhere(secrets: string[], more: Record<string, string>) {
    const db = server.deps.database.db
    const eventRows = await db.select().from(events)
    const repoRows = await db.select().from(repositories)
    const dump = (await db.execute(sql`select * from task_executions`)) as unknown as { rows: unknown[] }
    const steps = (await db.execute(sql`select * from execution_steps`)) as unknown as { rows: unknown[] }
    const files = await filesUnder(server.deps.config.dataDir)
    const places: Record<string, string> = {
      events: JSON.stringify(eventRows),
      repositories: JSON.stringify(repoRows),
      executions: JSON.stringify(dump.rows),
      steps: JSON.stringify(steps.rows),
      ...more,
    }
    for (const file of files) places[file.path] = file.text
    for (const secret of secrets)
      for (const [place, text] of Object.entries(places))
        expect(leaks(text, secret), `${place} holds a secret`).toEqual([])
  }

  beforeAll(async () => {
    server = await startTestServer({
      env: { SQUAD_WORKER: 'true' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
    http = await startHttpGitRemote({ token: TOKEN })
    squad = Squad.parse((await api('POST', '/squads', { name: 'remotes' })).json)
    agent = Agent.parse(
      (
        await api('POST', `/squads/${squad.id}/agents`, {
          name: 'Bot',
          role: 'backend',
          llm_provider: 'script',
        })
      ).json,
    )
    // The remote is on this machine's loopback: the sandbox's own commands may not reach it, the
    // pipeline's git does through the egress proxy (its policy names exactly the remote).
    await putSecret('GIT_TOKEN', TOKEN)
    await putSecret('WRONG_TOKEN', 'glpat-not-the-right-one-42')
  })
  afterAll(async () => {
    await server?.stop()
    await http?.stop()
  })

  it('connects an https remote with a token, takes its default branch, and pushes a run there without a pull request', async () => {
    const bare = join(http.root, 'app.git')
    await makeBareRepo(bare, { files: { 'README.md': '# app\n' }, branches: ['trunk', 'release'] })
    const created = await api('POST', `/squads/${squad.id}/repositories`, {
      name: 'app',
      url: http.url('app'),
      credential_secret: 'GIT_TOKEN',
    })
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    const repo = Repository.parse(created.json)
    expect(repo.kind).toBe('remote')
    expect(repo.default_branch).toBe('trunk')
    expect(repo.credential_secret).toBe('GIT_TOKEN')
    expect(repo.check).toMatchObject({
      reachable: true,
      default_branch: 'trunk',
      head: await branchHead(bare, 'trunk'),
    })

    const { task, done, log } = await runTask(repo, 'Change over https')
    expect(done.status, `${done.error}\n${log}`).toBe('succeeded')
    expect(done.pull_request_url).toBeNull()
    const step = done.steps.find((s) => s.name === 'pull_request')
    expect(step?.result).toEqual({
      pushed_branch: `task-${task.number}`,
      remote_url: http.url('app'),
      pull_request: null,
    })
    expect(log).toContain(`no pull-request API on this remote: the branch task-${task.number} is pushed`)
    const taskNow = (await api('GET', `/tasks/${task.id}`)).json as { status: string }
    expect(taskNow.status).toBe('in_review')
    const pushed = await branchHead(bare, `task-${task.number}`)
    expect(pushed).toBe(done.commit_history[done.commit_history.length - 1]?.sha ?? pushed)
    expect(await gitIn(bare, ['show', `task-${task.number}:agent.txt`])).toBe('from the agent')
    const probe = await gitIn(bare, ['show', `task-${task.number}:probe.txt`])
    expect(probe).toContain('## env')
    expect(probe).not.toMatch(/extraheader|Authorization|GIT_CONFIG_/i)
    // Every request the remote saw carried the token (git sends it up front: no 401 round trip).
    expect(http.requests.filter((r) => !r.authorized)).toEqual([])

    const cache = join(server.deps.config.dataDir, 'cache', 'repos', repo.id)
    expect(await readFile(join(cache, 'mirror.git', 'config'), 'utf8')).not.toMatch(
      /extraheader|Authorization/i,
    )
    await expectNowhere([TOKEN], { log, probe })

    // The check runs again on demand, and fails with the reason once the token is wrong.
    const again = await api('POST', `/repositories/${repo.id}/check`)
    expect(again.status, JSON.stringify(again.json)).toBe(200)
    const patched = await api('PATCH', `/repositories/${repo.id}`, { credential_secret: 'WRONG_TOKEN' })
    expect(patched.status).toBe(422)
    expect((patched.json as { error: { details: { problem: string } } }).error.details.problem).toBe(
      'auth_refused',
    )
    const unchanged = Repository.parse((await api('GET', `/repositories/${repo.id}`)).json)
    expect(unchanged.credential_secret).toBe('GIT_TOKEN')
  }, 120_000)

  it('refuses a remote it cannot use, saying why, and writes nothing', async () => {
    await makeBareRepo(join(http.root, 'lib.git'), { files: { 'a.txt': 'a\n' }, branches: ['main', 'dev'] })
    await makeBareRepo(join(http.root, 'empty.git'))
    const closed = await startHttpGitRemote({ token: TOKEN })
    const closedUrl = closed.url('gone')
    await closed.stop()

    await refused(
      { name: 'r1', url: closedUrl, credential_secret: 'GIT_TOKEN' },
      'unreachable',
      // curl says "Couldn't connect" for a refused connection; ssh says "Connection refused".
      /127\.0\.0\.1:\d+ (refused the connection|could not be reached)/,
    )
    await refused(
      { name: 'r2', url: http.url('lib'), credential_secret: 'WRONG_TOKEN' },
      'auth_refused',
      /refused the credential/,
    )
    await refused({ name: 'r3', url: http.url('lib') }, 'auth_refused', /asks for a credential/)
    const noBranch = await refused(
      { name: 'r4', url: http.url('lib'), credential_secret: 'GIT_TOKEN', default_branch: 'develop' },
      'no_branch',
      /has no branch "develop"; it has main, dev|has no branch "develop"; it has dev, main/,
    )
    expect(noBranch.message).toContain('dev')
    await refused(
      { name: 'r5', url: http.url('empty'), credential_secret: 'GIT_TOKEN' },
      'empty',
      /is empty: push a first commit/,
    )
    await refused(
      { name: 'r6', url: http.url('lib'), credential_secret: 'NO_SUCH_SECRET' },
      'credential',
      /no secret named NO_SUCH_SECRET/,
    )
    await refused(
      { name: 'r7', url: http.url('nothing-here'), credential_secret: 'GIT_TOKEN' },
      'not_found',
      /no repository/i,
    )

    // The same remote with the right settings is accepted.
    const ok = await api('POST', `/squads/${squad.id}/repositories`, {
      name: 'lib',
      url: http.url('lib'),
      credential_secret: 'GIT_TOKEN',
      default_branch: 'dev',
    })
    expect(ok.status, JSON.stringify(ok.json)).toBe(201)
    expect(Repository.parse(ok.json).default_branch).toBe('dev')
  }, 60_000)

  describe.skipIf(sshdSkip)('over ssh', () => {
    let ssh: SshGitRemote
    beforeAll(async () => {
      ssh = await startSshGitRemote()
      await putSecret('DEPLOY_KEY', ssh.privateKey)
      await putSecret('STRANGER_KEY', ssh.strangerKey)
    })
    afterAll(async () => {
      await ssh?.stop()
    })

    it('connects an ssh remote with a deploy key and pushes a run there through the egress proxy', async () => {
      const bare = join(ssh.root, 'svc.git')
      await makeBareRepo(bare, { files: { 'README.md': '# svc\n' } })
      await refused(
        { name: 'svc', url: ssh.url('svc'), credential_secret: 'STRANGER_KEY' },
        'auth_refused',
        /refused the credential/,
      )
      await refused(
        { name: 'svc', url: ssh.url('svc'), credential_secret: 'GIT_TOKEN' },
        'credential',
        /not an ssh private key/,
      )
      await refused({ name: 'svc', url: ssh.url('svc') }, 'credential', /needs a private key/)

      const created = await api('POST', `/squads/${squad.id}/repositories`, {
        name: 'svc',
        url: ssh.url('svc'),
        credential_secret: 'DEPLOY_KEY',
      })
      expect(created.status, JSON.stringify(created.json)).toBe(201)
      const repo = Repository.parse(created.json)
      expect(repo.default_branch).toBe('main')
      // The host key was recorded on first contact, in the repository's own known_hosts.
      const knownHosts = await readFile(join(server.deps.config.dataDir, 'known-hosts', repo.id), 'utf8')
      expect(knownHosts).toMatch(/^\[127\.0\.0\.1\]:\d+ ssh-ed25519 /m)

      const { task, done, log } = await runTask(repo, 'Change over ssh')
      expect(done.status, `${done.error}\n${log}`).toBe('succeeded')
      expect(done.pull_request_url).toBeNull()
      expect(await gitIn(bare, ['show', `task-${task.number}:agent.txt`])).toBe('from the agent')
      const probe = await gitIn(bare, ['show', `task-${task.number}:probe.txt`])
      expect(probe).not.toMatch(/SQUAD_SSH|PRIVATE KEY|GIT_SSH_COMMAND/)
      await expectNowhere(keyLines(ssh.privateKey), { log, probe })
    }, 120_000)
  })
})
