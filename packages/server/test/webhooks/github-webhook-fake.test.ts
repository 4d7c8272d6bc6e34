import { Agent, Squad, Task } from '@agent-squad/contract'
import { Octokit } from '@octokit/rest'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repositories, reviews, taskExecutions, tasks } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import type { Forge } from '../../src/forge/forge.ts'
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github/index.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

// The same route as github-webhook.test.ts, fed the fake GitHub's payloads: built from its state
// (a real merge, a real review with comments) and checked against GitHub's webhooks description,
// then delivered signed the way Hookshot does. The forge's answers (permission, a review's comments)
// come from the fake's state too. The first payload of each kind compiles GitHub's large schemas.
const SLOW = { timeout: 90_000 }
const SECRET = 'the-app-webhook-secret'
const REPO = 'octo/app'

describe.skipIf(skipReason)('GitHub webhooks with the fake GitHub’s payloads', () => {
  let fake: FakeGitHub
  let server: TestServer
  let squad: Squad
  let dev: Agent
  let repoId: string
  let api: Octokit
  const roles: Record<string, 'write' | 'read'> = { alice: 'write', rita: 'read' }
  const db = () => server.db.database.db
  const post = async <T>(path: string, body: unknown, parse: { parse(v: unknown): T }) => {
    const res = await server.request('POST', path, { body })
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.json)}`)
    return parse.parse(res.json)
  }
  const send = async (event: string, payload: unknown) => {
    const sent = await fake.deliver({
      url: `${server.url}/api/v1/webhooks/github`,
      event,
      payload,
      secret: SECRET,
    })
    return { status: sent.status, json: JSON.parse(sent.body) as { outcome: string; duplicate: boolean } }
  }
  /** A task whose branch task-{n} has a commit and an open pull request on the fake, in review. */
  const taskWithPull = async () => {
    const task = await post(
      `/api/v1/squads/${squad.id}/tasks`,
      { title: 'Change', repository_id: repoId, assignee_id: dev.id },
      Task,
    )
    const branch = `task-${task.number}`
    await fake.commit({
      repo: REPO,
      branch,
      from: 'main',
      files: { [`${branch}.txt`]: 'x\n' },
      message: `feat: ${branch}`,
    })
    const { data: pull } = await api.pulls.create({
      owner: 'octo',
      repo: 'app',
      title: task.title,
      head: branch,
      base: 'main',
    })
    await db().insert(taskExecutions).values({
      id: newId(),
      taskId: task.id,
      squadId: squad.id,
      agentId: dev.id,
      status: 'succeeded',
      runReason: 'start',
      gitBranch: branch,
      pullRequestUrl: pull.html_url,
    })
    await db().update(tasks).set({ status: 'in_review' }).where(eq(tasks.id, task.id))
    return { task, number: pull.number }
  }
  const statusOf = async (taskId: string) =>
    (await db().select({ status: tasks.status }).from(tasks).where(eq(tasks.id, taskId)))[0]?.status
  const revisionsOf = (taskId: string) =>
    db()
      .select()
      .from(taskExecutions)
      .where(and(eq(taskExecutions.taskId, taskId), eq(taskExecutions.runReason, 'revision')))

  beforeAll(async () => {
    fake = await startFakeGitHub()
    for (const login of ['octo', 'alice', 'rita']) fake.createUser({ login })
    await fake.createRepo({ fullName: REPO })
    fake.addCollaborator(REPO, 'alice', 'write')
    fake.addCollaborator(REPO, 'rita', 'read')
    fake.installApp({ account: 'octo', repos: 'all' })
    api = new Octokit({ baseUrl: fake.apiUrl, auth: fake.createToken({ login: 'octo' }) })
    // The port's reading questions, answered from the fake's state (the GitHub adapter asks its API).
    const forge: Forge = {
      name: 'github (fake state)',
      capabilities: { pullRequests: true, merge: true, checks: true },
      cloneUrl: () => `${fake.url}/${REPO}.git`,
      credentials: async () => null,
      ensureRepository: async () => {},
      findOpenPullRequest: async () => null,
      createPullRequest: async () => {
        throw new Error('not in this test')
      },
      identity: async () => ({ login: `${fake.app.slug}[bot]` }),
      permissionOf: async (_repo, login) => (login === 'octo' ? 'admin' : (roles[login] ?? 'none')),
      reviewComments: async (_repo, number, reviewId) =>
        fake
          .reviewComments(REPO, number)
          .filter((c) => String(c.reviewId) === reviewId)
          .map((c) => ({ path: c.path, line: c.line, body: c.body })),
    }
    server = await startTestServer({
      env: { SQUAD_GITHUB_WEBHOOK_SECRET: SECRET, SQUAD_GITHUB_POLL_SECONDS: '0' },
      forgeFor: (repo, local) => (repo.kind === 'github' ? forge : local),
    })
    squad = await post('/api/v1/squads', { name: 'Fake hooks' }, Squad)
    dev = await post(
      `/api/v1/squads/${squad.id}/agents`,
      { name: 'Dev', role: 'backend', llm_provider: 'script' },
      Agent,
    )
    repoId = newId()
    await db()
      .insert(repositories)
      .values({
        id: repoId,
        squadId: squad.id,
        name: 'app',
        kind: 'github',
        url: `${fake.url}/${REPO}.git`,
        github: { repo: REPO, auth: { kind: 'token', secret: 'GITHUB_TOKEN' }, base_url: fake.url },
      })
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    await fake?.close()
  })

  it('ping', SLOW, async () => {
    const res = await send('ping', fake.webhookPayload.ping())
    expect(res).toMatchObject({ status: 200, json: { outcome: 'pong' } })
  })

  it('a review requesting changes with three comments: one revision carrying them', SLOW, async () => {
    const { task, number } = await taskWithPull()
    const comments = [
      { path: `task-${task.number}.txt`, line: 1, body: 'Say more than x.' },
      { path: `task-${task.number}.txt`, line: 1, body: 'And end with a period' },
      { path: 'README.md', line: 1, body: 'Mention the change here.' },
    ]
    const payload = await fake.webhookPayload.reviewSubmitted({
      repo: REPO,
      number,
      author: 'alice',
      state: 'changes_requested',
      body: 'Not yet.',
      comments,
    })
    const res = await send('pull_request_review', payload)
    expect(res.json.outcome).toBe(`revision queued for task #${task.number}`)
    expect(await revisionsOf(task.id)).toHaveLength(1)
    const [review] = await db().select().from(reviews).where(eq(reviews.taskId, task.id))
    expect(review).toMatchObject({ authorKind: 'github', authorName: 'alice', body: 'Not yet.' })
    expect(review?.comments).toEqual(comments)
  })

  it('a mention in a comment, from a writer and from a reader', SLOW, async () => {
    const { task, number } = await taskWithPull()
    const reader = await send(
      'issue_comment',
      fake.webhookPayload.issueComment({
        repo: REPO,
        number,
        author: 'rita',
        body: '@agent-squad rewrite it',
      }),
    )
    expect(reader.json.outcome).toMatch(/ignored: rita has read access/)
    const writer = await send(
      'issue_comment',
      fake.webhookPayload.issueComment({
        repo: REPO,
        number,
        author: 'alice',
        body: '@agent-squad rewrite it',
      }),
    )
    expect(writer.json.outcome).toBe(`revision queued for task #${task.number}`)
    // A single line comment is a one-comment review on GitHub: acted on with that review, not alone.
    const line = await send(
      'pull_request_review_comment',
      await fake.webhookPayload.reviewComment({
        repo: REPO,
        number,
        author: 'alice',
        path: `task-${task.number}.txt`,
        line: 1,
        body: '@agent-squad here',
      }),
    )
    expect(line.json.outcome).toMatch(/^ignored: part of review \d+/)
  })

  it('merged, and closed without merging', SLOW, async () => {
    const merged = await taskWithPull()
    const first = await send(
      'pull_request',
      await fake.webhookPayload.pullRequestClosed({
        repo: REPO,
        number: merged.number,
        merged: true,
        sender: 'alice',
      }),
    )
    expect(first.json.outcome).toBe(
      `task #${merged.task.number} done (pull request #${merged.number} merged)`,
    )
    expect(await statusOf(merged.task.id)).toBe('done')
    const closed = await taskWithPull()
    const second = await send(
      'pull_request',
      await fake.webhookPayload.pullRequestClosed({ repo: REPO, number: closed.number, merged: false }),
    )
    expect(second.json.outcome).toMatch(/back to To do/)
    expect(await statusOf(closed.task.id)).toBe('todo')
    fake.expectNoViolations()
  })
})
