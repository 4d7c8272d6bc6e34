import { Agent, Repository, Squad } from '@agent-squad/contract'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, pullRequests, repositories, taskExecutions } from '../../src/db/schema.ts'
import { formsOf } from '../../src/secrets/redactor.ts'
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github/index.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { downloadLog, pipelineSkip } from './git-fixture.ts'
import { createTask, startTask, waitForExecution } from './pipeline-fixture.ts'

const REPO = 'octo/app'
const WEBHOOK_SECRET = 'the-app-webhook-secret-for-this-test'
const TEMPLATE = '## Why\n\n## How it was tested\n'

/**
 * A GitHub repository end to end, with the real adapter (Octokit) against the fake GitHub (every
 * request and response checked against GitHub's OpenAPI description): connected from the API as a
 * GitHub App, checked before it is saved, a run that clones and pushes over git smart HTTP with an
 * installation token, opens one pull request (template, labels, CODEOWNERS reviewer, Work-page
 * link), shows a check run, and then the review loop on GitHub: changes requested by a writer →
 * one revision on the same pull request; merged → the task is done.
 */
describe.skipIf(pipelineSkip)('a repository on GitHub', () => {
  let fake: FakeGitHub
  let server: TestServer
  let squad: Squad
  let agent: Agent
  let repo: Repository

  const api = (method: string, path: string, body?: unknown) =>
    server.request(method, `/api/v1${path}`, body === undefined ? {} : { body })
  const db = () => server.deps.database.db
  const deliver = async (event: string, payload: unknown) =>
    fake.deliver({ url: `${server.url}/api/v1/webhooks/github`, event, payload, secret: WEBHOOK_SECRET })

  beforeAll(async () => {
    fake = await startFakeGitHub()
    for (const login of ['octo', 'alice']) fake.createUser({ login })
    await fake.createRepo({
      fullName: REPO,
      files: {
        'README.md': '# app\n',
        '.github/pull_request_template.md': TEMPLATE,
        '.github/CODEOWNERS': '*.txt @alice\n',
      },
    })
    fake.addCollaborator(REPO, 'alice', 'write')
    fake.installApp({ account: 'octo', repos: 'all' })
    server = await startTestServer({
      env: {
        SQUAD_WORKER: 'true',
        SQUAD_GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
        SQUAD_GITHUB_POLL_SECONDS: '0',
      },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
    squad = Squad.parse((await api('POST', '/squads', { name: 'on GitHub' })).json)
    agent = Agent.parse(
      (
        await api('POST', `/squads/${squad.id}/agents`, {
          name: 'Bot',
          role: 'backend',
          llm_provider: 'script',
        })
      ).json,
    )
    const key = await api('PUT', `/squads/${squad.id}/secrets/GITHUB_APP_KEY`, {
      value: fake.app.privateKeyPem,
    })
    expect(key.status).toBeLessThan(300)
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    await fake?.close()
  })

  it('connects the repository as a GitHub App after checking it, and refuses one it cannot reach', async () => {
    const missing = await api('POST', `/squads/${squad.id}/repositories`, {
      name: 'nope',
      github: {
        repo: 'octo/nope',
        auth: { kind: 'app', app_id: fake.app.id, private_key_secret: 'GITHUB_APP_KEY' },
        base_url: fake.url,
      },
    })
    expect(missing.status, JSON.stringify(missing.json)).toBe(422)
    const created = await api('POST', `/squads/${squad.id}/repositories`, {
      name: 'app',
      github: {
        repo: REPO,
        auth: { kind: 'app', app_id: fake.app.id, private_key_secret: 'GITHUB_APP_KEY' },
        base_url: fake.url,
      },
    })
    expect(created.status, JSON.stringify(created.json)).toBe(201)
    repo = Repository.parse(created.json)
    expect(repo).toMatchObject({ kind: 'github', default_branch: 'main' })
    expect(repo.github?.html_url).toBe(`${fake.url}/${REPO}`)
    expect(repo.check).toMatchObject({ reachable: true, default_branch: 'main' })
    expect(repo.check?.head).toBe(await fake.branchSha(REPO, 'main'))
  }, 90_000)

  it('runs a task into one pull request with a check run, then a review on GitHub makes one revision, and the merge finishes the task', async () => {
    const task = await createTask(server, squad.id, {
      title: 'Add a greeting',
      repository_id: repo.id,
      assignee_id: agent.id,
      labels: ['feature'],
      script: 'echo hello > greeting.txt',
    })
    const before = fake.requests.length
    const done = await waitForExecution(server, (await startTask(server, task.id)).id, { timeoutMs: 120_000 })
    const log = await downloadLog(server, done.id)
    expect(done.status, `${done.error}\n${log}`).toBe('succeeded')

    const branch = `task-${task.number}`
    const [pull, ...others] = await fake.pulls(REPO)
    expect(others).toEqual([])
    expect(pull?.pull.head).toBe(branch)
    expect(pull?.state).toBe('open')
    expect(done.pull_request_url).toBe(`${fake.url}/${REPO}/pull/${pull?.number}`)
    expect(pull?.body).toContain('## How it was tested') // the repository's template
    expect(pull?.body).toContain(`/squads/${squad.id}/tasks/${task.id}`) // a link back to the Work page
    expect(fake.labels(REPO).map((l) => l.name)).toContain('feature')
    expect(fake.reviewRequests(REPO, pull?.number ?? 0)).toContain('alice') // CODEOWNERS
    expect(await fake.readFile(REPO, branch, 'greeting.txt')).toBe('hello\n')
    const checks = fake.checkRuns(REPO)
    expect(checks.map((c) => [c.headSha, c.status, c.conclusion])).toEqual([
      [await fake.branchSha(REPO, branch), 'completed', 'success'],
    ])
    const [mirrored] = await db().select().from(pullRequests).where(eq(pullRequests.repositoryId, repo.id))
    expect(mirrored).toMatchObject({ number: pull?.number, taskId: task.id, htmlUrl: done.pull_request_url })
    const used = fake.requests.slice(before).filter((r) => r.operationId !== null)
    console.info(
      `GitHub API requests for the run: ${used.length} (${used.map((r) => r.operationId).join(', ')})`,
    )

    // A writer asks for changes on GitHub: one revision, on the same branch and pull request.
    const review = await fake.webhookPayload.reviewSubmitted({
      repo: REPO,
      number: pull?.number ?? 0,
      author: 'alice',
      state: 'changes_requested',
      body: 'Say it louder',
      comments: [{ path: 'greeting.txt', line: 1, body: 'HELLO, please' }],
    })
    expect((await deliver('pull_request_review', review)).status).toBe(200)
    const [revision] = await db()
      .select()
      .from(taskExecutions)
      .where(sql`${taskExecutions.taskId} = ${task.id} and ${taskExecutions.runReason} = 'revision'`)
    expect(revision).toBeDefined()
    const revised = await waitForExecution(server, revision?.id ?? '', { timeoutMs: 120_000 })
    expect(revised.status, `${revised.error}\n${await downloadLog(server, revised.id)}`).toMatch(
      /succeeded|no_changes/,
    )
    expect(await fake.pulls(REPO)).toHaveLength(1)

    // Merged on GitHub: the task is done, once, whatever the redelivery.
    const merged = await fake.webhookPayload.pullRequestClosed({
      repo: REPO,
      number: pull?.number ?? 0,
      merged: true,
    })
    expect((await deliver('pull_request', merged)).status).toBe(200)
    expect((await deliver('pull_request', merged)).status).toBe(200)
    const taskNow = (await api('GET', `/tasks/${task.id}`)).json as { status: string }
    expect(taskNow.status).toBe('done')
    const moved = await db()
      .select()
      .from(events)
      .where(
        sql`${events.type} = 'task.moved' and ${events.taskId} = ${task.id} and ${events.payload}->'task'->>'status' = 'done'`,
      )
    expect(moved).toHaveLength(1)

    // The App's key and the tokens minted from it are nowhere the server keeps or shows things.
    const places = JSON.stringify({
      events: await db().select().from(events),
      repositories: await db().select().from(repositories),
      executions: await db().select().from(taskExecutions),
      log,
    })
    const keyLines = fake.app.privateKeyPem.split('\n').filter((l) => l && !l.startsWith('-----'))
    for (const line of keyLines) expect(places.includes(line)).toBe(false)
    for (const token of fake.mintedTokens())
      expect(formsOf(token).filter((form) => places.includes(form))).toEqual([])
    fake.expectNoViolations()
  }, 300_000)
})
