import { Agent, Repository, Squad } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, pullRequests, repositories, taskExecutions } from '../../src/db/schema.ts'
import { formsOf } from '../../src/secrets/redactor.ts'
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github/index.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { downloadLog, pipelineSkip } from './git-fixture.ts'
import { createTask, startTask, waitForExecution } from './pipeline-fixture.ts'

const REPO = 'octo/site'

/**
 * A GitHub repository end to end with a personal access token (github-repository.test.ts does it
 * as an App): connected from the API with the token in a squad secret, a run that clones and
 * pushes with it, one pull request, and the run shown on the head commit as a commit status
 * (GitHub keeps check runs to Apps), linking the Work page. The token is nowhere the server keeps
 * or shows things.
 */
describe.skipIf(pipelineSkip)('a repository on GitHub with a personal access token', () => {
  let fake: FakeGitHub
  let server: TestServer
  let token: string

  const api = (method: string, path: string, body?: unknown) =>
    server.request(method, `/api/v1${path}`, body === undefined ? {} : { body })
  const db = () => server.deps.database.db

  beforeAll(async () => {
    fake = await startFakeGitHub()
    fake.createUser({ login: 'octo' })
    fake.createUser({ login: 'squad-bot' })
    await fake.createRepo({ fullName: REPO, files: { 'README.md': '# site\n' } })
    fake.addCollaborator(REPO, 'squad-bot', 'write')
    token = fake.createToken({ login: 'squad-bot', repos: [REPO] }) // fine-grained, this repository only
    server = await startTestServer({
      env: { SQUAD_WORKER: 'true', SQUAD_GITHUB_POLL_SECONDS: '0' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    await fake?.close()
  })

  it('runs a task into one pull request whose head commit has a successful Agent Squad status', async () => {
    const squad = Squad.parse((await api('POST', '/squads', { name: 'with a token' })).json)
    const agent = Agent.parse(
      (
        await api('POST', `/squads/${squad.id}/agents`, {
          name: 'Bot',
          role: 'backend',
          llm_provider: 'script',
        })
      ).json,
    )
    const secret = await api('PUT', `/squads/${squad.id}/secrets/GITHUB_TOKEN`, { value: token })
    expect(secret.status).toBeLessThan(300)
    const created = await api('POST', `/squads/${squad.id}/repositories`, {
      name: 'site',
      github: { repo: REPO, auth: { kind: 'token', secret: 'GITHUB_TOKEN' }, base_url: fake.url },
    })
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    const repo = Repository.parse(created.json)
    expect(repo).toMatchObject({ kind: 'github', default_branch: 'main' })
    expect(repo.check).toMatchObject({ reachable: true })

    const task = await createTask(server, squad.id, {
      title: 'Add a page',
      repository_id: repo.id,
      assignee_id: agent.id,
      script: 'echo "<h1>hello</h1>" > index.html',
    })
    const before = fake.requests.length
    const done = await waitForExecution(server, (await startTask(server, task.id)).id, { timeoutMs: 120_000 })
    const log = await downloadLog(server, done.id)
    expect(done.status, `${done.error}\n${log}`).toBe('succeeded')

    const branch = `task-${task.number}`
    const [pull, ...others] = await fake.pulls(REPO)
    expect(others).toEqual([])
    expect(pull?.pull.head).toBe(branch)
    expect(pull?.user.login).toBe('squad-bot') // opened as the token's user
    expect(done.pull_request_url).toBe(`${fake.url}/${REPO}/pull/${pull?.number}`)
    expect(await fake.readFile(REPO, branch, 'index.html')).toBe('<h1>hello</h1>\n')

    // The run on the head commit: pending while it worked, then success, both linking the Work page.
    const head = (await fake.branchSha(REPO, branch)) ?? ''
    const statuses = fake.statuses(REPO, head)
    expect(statuses.map((s) => [s.context, s.state])).toEqual([
      ['Agent Squad', 'pending'],
      ['Agent Squad', 'success'],
    ])
    const workPage = statuses.at(-1)?.targetUrl ?? ''
    expect(workPage).toMatch(new RegExp(`^https?://[^/]+/squads/${squad.id}/tasks/${task.id}$`))
    expect(statuses.every((s) => s.targetUrl === workPage)).toBe(true)
    expect(pull?.body).toContain(workPage)
    expect(fake.statuses(REPO).filter((s) => s.sha !== head)).toEqual([])
    const used = fake.requests.slice(before).filter((r) => r.operationId !== null)
    expect(used.filter((r) => r.operationId?.startsWith('checks/'))).toEqual([]) // a token never tries them
    expect(used.every((r) => r.tokenKind === 'pat')).toBe(true)
    console.info(
      `GitHub API requests for the run (token): ${used.length} (${used.map((r) => r.operationId).join(', ')})`,
    )
    const [mirrored] = await db().select().from(pullRequests)
    expect(mirrored).toMatchObject({ number: pull?.number, taskId: task.id, htmlUrl: done.pull_request_url })

    // The token is nowhere the server keeps or shows things.
    const places = JSON.stringify({
      events: await db().select().from(events),
      repositories: await db().select().from(repositories),
      executions: await db().select().from(taskExecutions),
      repository: created.json,
      execution: done,
      log,
    })
    expect(formsOf(token).filter((form) => places.includes(form))).toEqual([])
    fake.expectNoViolations()
  }, 300_000)
})
