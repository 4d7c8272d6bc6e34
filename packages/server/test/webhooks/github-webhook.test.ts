import { Agent, Squad, Task } from '@agent-squad/contract'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assignmentText } from '../../src/agents/runtime/assignment-text.ts'
import {
  events,
  pullRequests,
  repositories,
  reviews,
  taskExecutions,
  tasks,
  webhookDeliveries,
} from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import { assignmentFor } from '../../src/executions/pipeline/assignment.ts'
import type { ExecutionContext } from '../../src/executions/pipeline/execution-context.ts'
import type { Forge } from '../../src/forge/forge.ts'
import { deliver, payloads } from '../helpers/github-webhooks.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

const SERVER_SECRET = 'the-app-webhook-secret'
const SQUAD_SECRET = 'the-squad-hook-secret'
const REPO = 'Octo/App'

/** GitHub as far as the workflow asks it: who the server is, who may write, a review's comments. */
const permissions: Record<string, 'admin' | 'write' | 'read'> = {
  alice: 'write',
  maria: 'admin',
  rita: 'read',
}
const reviewComments: Record<string, { path: string; line: number | null; body: string }[]> = {}
const fakeGitHub: Forge = {
  name: 'github (test)',
  capabilities: { pullRequests: true, merge: true, checks: true },
  cloneUrl: () => 'https://github.com/octo/app.git',
  credentials: async () => null,
  ensureRepository: async () => {},
  findOpenPullRequest: async () => null,
  createPullRequest: async () => {
    throw new Error('no pull request is opened in this test')
  },
  identity: async () => ({ login: 'squad-machine-user' }),
  permissionOf: async (_repo, login) => permissions[login] ?? 'none',
  reviewComments: async (_repo, _number, reviewId) => reviewComments[reviewId] ?? [],
}

describe.skipIf(skipReason)('POST /api/v1/webhooks/github', () => {
  let server: TestServer
  let squad: Squad
  let dev: Agent
  let repoId: string
  let prNumbers = 100
  const db = () => server.db.database.db
  const post = async <T>(path: string, body: unknown, parse: { parse(v: unknown): T }) => {
    const res = await server.request('POST', path, { body })
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.json)}`)
    return parse.parse(res.json)
  }
  const send = (event: string, payload: unknown, extra: { id?: string; secret?: string } = {}) =>
    deliver(server.url, {
      event,
      payload,
      secret: extra.secret ?? SERVER_SECRET,
      ...(extra.id ? { id: extra.id } : {}),
    })

  /** A task whose run opened pull request #pr on GitHub, waiting in review. */
  const taskInReview = async (options: { mirrored?: boolean } = {}) => {
    const task = await post(
      `/api/v1/squads/${squad.id}/tasks`,
      { title: `Task ${prNumbers}`, repository_id: repoId, assignee_id: dev.id },
      Task,
    )
    const pr = ++prNumbers
    await db()
      .insert(taskExecutions)
      .values({
        id: newId(),
        taskId: task.id,
        squadId: squad.id,
        agentId: dev.id,
        status: 'succeeded',
        runReason: 'start',
        gitBranch: `task-${task.number}`,
        pullRequestUrl: `https://github.com/octo/app/pull/${pr}`,
      })
    if (options.mirrored)
      await db()
        .insert(pullRequests)
        .values({
          id: newId(),
          repositoryId: repoId,
          squadId: squad.id,
          taskId: task.id,
          number: pr,
          title: task.title,
          head: `task-${task.number}`,
          base: 'main',
          htmlUrl: `https://github.com/octo/app/pull/${pr}`,
        })
    const moved = await server.request('PATCH', `/api/v1/tasks/${task.id}`, { body: { status: 'in_review' } })
    expect(moved.status).toBe(200)
    return { task, pr }
  }
  const revisionsOf = (taskId: string) =>
    db()
      .select()
      .from(taskExecutions)
      .where(and(eq(taskExecutions.taskId, taskId), eq(taskExecutions.runReason, 'revision')))
  const statusOf = async (taskId: string) =>
    (await db().select({ status: tasks.status }).from(tasks).where(eq(tasks.id, taskId)))[0]?.status
  const deliveries = () => db().select().from(webhookDeliveries)

  beforeAll(async () => {
    server = await startTestServer({
      env: { SQUAD_GITHUB_WEBHOOK_SECRET: SERVER_SECRET, SQUAD_GITHUB_POLL_SECONDS: '0' },
      forgeFor: (repo, local) => (repo.kind === 'github' ? fakeGitHub : local),
    })
    squad = await post(
      '/api/v1/squads',
      {
        name: 'Hooks',
        config: { revision_allowlist: ['Outside-Olga'], workflow: { mode: 'solo', max_review_rounds: 5 } },
      },
      Squad,
    )
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
        url: 'https://github.com/octo/app.git',
        github: { repo: 'octo/app', auth: { kind: 'token', secret: 'GITHUB_TOKEN' }, base_url: null },
      })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('refuses a bad signature with 401 and writes nothing', async () => {
    const { task, pr } = await taskInReview()
    const before = (await deliveries()).length
    const payload = payloads.issueComment(REPO, { number: pr, login: 'alice', body: '@agent-squad fix it' })
    const wrong = await send('issue_comment', payload, { secret: 'not-the-secret' })
    expect(wrong.status, JSON.stringify(wrong.json)).toBe(401)
    const unsigned = await deliver(server.url, {
      event: 'issue_comment',
      payload,
      secret: 'x',
      signature: '',
    })
    expect(unsigned.status).toBe(401)
    // The exact bytes are signed: the same JSON, re-serialised with a space, no longer verifies.
    const raw = JSON.stringify(payload)
    const { sign } = await import('@octokit/webhooks-methods')
    const tampered = await deliver(server.url, {
      event: 'issue_comment',
      payload,
      secret: SERVER_SECRET,
      raw: `${raw} `,
      signature: await sign(SERVER_SECRET, raw),
    })
    expect(tampered.status).toBe(401)
    expect((await deliveries()).length).toBe(before)
    expect(await revisionsOf(task.id)).toHaveLength(0)
  })

  it('answers a malformed payload 400, unknown events 202 and ping 200, recording none of them', async () => {
    const before = (await deliveries()).length
    const notJson = await deliver(server.url, {
      event: 'issue_comment',
      payload: null,
      raw: '{"oops',
      secret: SERVER_SECRET,
    })
    expect(notJson.status).toBe(400)
    const missing = await send('pull_request_review', {
      action: 'submitted',
      repository: { full_name: REPO },
    })
    expect(missing.status).toBe(400)
    expect(JSON.stringify(missing.json)).toContain('review')
    const push = await send('push', { ref: 'refs/heads/main', repository: { full_name: REPO } })
    expect(push.status).toBe(202)
    expect(push.json.outcome).toMatch(/^ignored/)
    const opened = await send('pull_request', { action: 'opened', repository: { full_name: REPO } })
    expect(opened.status).toBe(202)
    const ping = await send('ping', payloads.ping(REPO))
    expect(ping.status).toBe(200)
    expect(ping.json).toMatchObject({ event: 'ping', outcome: 'pong', duplicate: false })
    expect((await deliveries()).length).toBe(before)
  })

  it('takes deliveries past SQUAD_MAX_BODY_BYTES up to its own 5 MiB limit, then answers 413', async () => {
    const big = { ...payloads.ping(REPO), padding: 'x'.repeat(2 * 1024 * 1024) }
    expect((await send('ping', big)).status).toBe(200)
    const huge = { ...payloads.ping(REPO), padding: 'x'.repeat(6 * 1024 * 1024) }
    expect((await send('ping', huge)).status).toBe(413)
  })

  it("accepts a squad's own GITHUB_WEBHOOK_SECRET, for its repositories only", async () => {
    const put = await server.request('PUT', `/api/v1/squads/${squad.id}/secrets/GITHUB_WEBHOOK_SECRET`, {
      body: { value: SQUAD_SECRET },
    })
    expect(put.status).toBe(201)
    const ping = await send('ping', payloads.ping(REPO), { secret: SQUAD_SECRET })
    expect(ping.status).toBe(200)
    const elsewhere = await send('ping', payloads.ping('someone/else'), { secret: SQUAD_SECRET })
    expect(elsewhere.status).toBe(401)
  })

  it('changes requested with three inline comments: one revision whose prompt carries them all', async () => {
    const { task, pr } = await taskInReview()
    const comments = [
      { path: 'src/a.ts', line: 3, body: 'Handle the empty list.' },
      { path: 'src/b.ts', line: 10, body: 'This leaks the token.' },
      { path: 'README.md', line: 1, body: 'Typo in the title.' },
    ]
    reviewComments['9001'] = comments
    // GitHub sends each comment as a delivery of its own, and the review: the comments first here.
    const sent = []
    for (const [i, c] of comments.entries())
      sent.push(
        await send(
          'pull_request_review_comment',
          payloads.reviewComment(REPO, { number: pr, id: 500 + i, reviewId: 9001, login: 'alice', ...c }),
        ),
      )
    sent.push(
      await send(
        'pull_request_review',
        payloads.reviewSubmitted(REPO, {
          number: pr,
          reviewId: 9001,
          login: 'alice',
          state: 'CHANGES_REQUESTED',
          body: 'A few things.',
        }),
      ),
    )
    expect(sent.map((s) => s.status)).toEqual([200, 200, 200, 200])
    expect(sent[0]?.json.outcome).toMatch(/part of review 9001/)
    expect(sent[3]?.json.outcome).toBe(`revision queued for task #${task.number}`)
    const revisions = await revisionsOf(task.id)
    expect(revisions).toHaveLength(1)
    const [review] = await db().select().from(reviews).where(eq(reviews.taskId, task.id))
    expect(review).toMatchObject({
      authorKind: 'github',
      authorName: 'alice',
      verdict: 'changes_requested',
      body: 'A few things.',
      followUpExecutionId: revisions[0]?.id,
    })
    expect(review?.comments).toEqual(comments)
    expect(await statusOf(task.id)).toBe('in_progress')
    // What the agent reads: the revision's assignment, as the pipeline's agent step builds it.
    const ctx = { execution: revisions[0], task, deps: { db: db() } } as unknown as ExecutionContext
    const prompt = assignmentText(await assignmentFor(ctx), `task-${task.number}`)
    expect(prompt).toContain('Review by alice:')
    expect(prompt).toContain('A few things.')
    for (const c of comments) expect(prompt).toContain(`- ${c.path}:${c.line}: ${c.body}`)
    const reviewEvents = await db()
      .select()
      .from(events)
      .where(and(eq(events.taskId, task.id), eq(events.type, 'review.submitted')))
    expect(reviewEvents).toHaveLength(1)
  })

  it('acts on a replayed delivery once', async () => {
    const { task, pr } = await taskInReview()
    const payload = payloads.issueComment(REPO, {
      number: pr,
      login: 'alice',
      body: 'Please @Agent-Squad, add tests.',
    })
    const first = await send('issue_comment', payload, { id: 'replayed-delivery-1' })
    const again = await send('issue_comment', payload, { id: 'replayed-delivery-1' })
    expect(first.json).toMatchObject({
      duplicate: false,
      outcome: `revision queued for task #${task.number}`,
    })
    expect(again.status).toBe(200)
    expect(again.json).toMatchObject({ duplicate: true, outcome: `revision queued for task #${task.number}` })
    expect(await revisionsOf(task.id)).toHaveLength(1)
    const [row] = await db()
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, 'replayed-delivery-1'))
    expect(row).toMatchObject({ source: 'github-webhook', event: 'issue_comment', repositoryId: repoId })
  })

  it('acts on concurrent duplicate deliveries once', async () => {
    const { task, pr } = await taskInReview()
    const payload = payloads.issueComment(REPO, {
      number: pr,
      login: 'maria',
      body: '@agent-squad rename it',
    })
    const all = await Promise.all(
      Array.from({ length: 6 }, () => send('issue_comment', payload, { id: 'concurrent-delivery-1' })),
    )
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200])
    expect(all.filter((r) => r.json.duplicate === false)).toHaveLength(1)
    expect(await revisionsOf(task.id)).toHaveLength(1)
  })

  it('ignores bots, its own account, comments without the handle and people without write access', async () => {
    const { task, pr } = await taskInReview()
    const comment = (login: string, body = '@agent-squad please fix') =>
      send('issue_comment', payloads.issueComment(REPO, { number: pr, login, body }))
    const bot = await comment('dependabot[bot]')
    expect(bot.json.outcome).toMatch(/ignored: by a bot/)
    const self = await comment('squad-machine-user')
    expect(self.json.outcome).toMatch(/ignored: by this server's own account/)
    const noHandle = await comment('alice', 'Looks fine, @agent-squadron will check. mail@agent-squad too')
    expect(noHandle.json.outcome).toBe('ignored: does not mention @agent-squad')
    const reader = await comment('rita')
    expect(reader.json.outcome).toMatch(/ignored: rita has read access/)
    const stranger = await comment('mallory')
    expect(stranger.json.outcome).toMatch(/ignored: mallory has none access/)
    const onIssue = await send(
      'issue_comment',
      payloads.issueComment(REPO, { number: pr, login: 'alice', body: '@agent-squad', onPullRequest: false }),
    )
    expect(onIssue.json.outcome).toMatch(/not on a pull request/)
    const approved = await send(
      'pull_request_review',
      payloads.reviewSubmitted(REPO, { number: pr, reviewId: 77, login: 'alice', state: 'approved' }),
    )
    expect(approved.json.outcome).toMatch(/^ignored: an approval/)
    expect(await revisionsOf(task.id)).toHaveLength(0)
    expect(await statusOf(task.id)).toBe('in_review')
    // The allow list lets an outside collaborator ask (logins compare without case).
    const allowed = await comment('outside-olga')
    expect(allowed.json.outcome).toBe(`revision queued for task #${task.number}`)
  })

  it('a lone review comment mentioning the handle makes a revision with its file and line', async () => {
    const { task, pr } = await taskInReview()
    const res = await send(
      'pull_request_review_comment',
      payloads.reviewComment(REPO, {
        number: pr,
        id: 42,
        reviewId: null,
        login: 'alice',
        path: 'src/c.ts',
        line: 7,
        body: '@agent-squad use a Map here',
      }),
    )
    expect(res.json.outcome).toBe(`revision queued for task #${task.number}`)
    const [review] = await db().select().from(reviews).where(eq(reviews.taskId, task.id))
    expect(review?.comments).toEqual([{ path: 'src/c.ts', line: 7, body: '@agent-squad use a Map here' }])
  })

  it('merged: the task is done exactly once and the task that waited for it starts', async () => {
    const { task, pr } = await taskInReview({ mirrored: true })
    const waiting = await post(
      `/api/v1/squads/${squad.id}/tasks`,
      { title: 'After it', status: 'todo', repository_id: repoId, assignee_id: dev.id },
      Task,
    )
    await db()
      .update(tasks)
      .set({ blockedBy: [task.id] })
      .where(eq(tasks.id, waiting.id))
    const merged = payloads.pullRequestClosed(REPO, { number: pr, head: `task-${task.number}`, merged: true })
    const first = await send('pull_request', merged)
    expect(first.json.outcome).toBe(`task #${task.number} done (pull request #${pr} merged)`)
    // Another delivery of the same merge (a second hook, the poller): nothing more happens.
    const second = await send('pull_request', merged)
    expect(second.json).toMatchObject({ duplicate: false, outcome: `task #${task.number} was done already` })
    expect(await statusOf(task.id)).toBe('done')
    const moves = await db()
      .select()
      .from(events)
      .where(and(eq(events.taskId, task.id), eq(events.type, 'task.moved')))
    expect(
      moves.filter((m) => (m.payload as { task: { status: string } }).task.status === 'done'),
    ).toHaveLength(1)
    const [row] = await db().select().from(pullRequests).where(eq(pullRequests.taskId, task.id))
    expect(row).toMatchObject({ state: 'merged', mergeCommit: 'a'.repeat(40) })
    const started = await db().select().from(taskExecutions).where(eq(taskExecutions.taskId, waiting.id))
    expect(started).toHaveLength(1)
    expect(await statusOf(waiting.id)).toBe('in_progress')
  })

  it('closed without merging: the task goes back to To do, no run started', async () => {
    const { task, pr } = await taskInReview()
    const res = await send(
      'pull_request',
      payloads.pullRequestClosed(REPO, { number: pr, head: `task-${task.number}`, merged: false }),
    )
    expect(res.json.outcome).toBe(`task #${task.number} back to To do (pull request #${pr} closed unmerged)`)
    expect(await statusOf(task.id)).toBe('todo')
    expect(await db().select().from(taskExecutions).where(eq(taskExecutions.taskId, task.id))).toHaveLength(1)
    // A fork's branch named like one of ours is not ours.
    const { task: other, pr: otherPr } = await taskInReview()
    const fork = payloads.pullRequestClosed(REPO, { number: 999, head: `task-${other.number}`, merged: true })
    fork.pull_request.head.repo = { ...fork.pull_request.head.repo, full_name: 'mallory/app' }
    const forked = await send('pull_request', fork)
    expect(forked.json.outcome).toMatch(/no task of this squad/)
    expect(await statusOf(other.id)).toBe('in_review')
    expect(otherPr).toBeGreaterThan(0)
  })

  it('an issue labeled with the squad label becomes one linked task, started by the start rule', async () => {
    const labeled = (label: string) =>
      send(
        'issues',
        payloads.issueLabeled(REPO, {
          number: 12,
          label,
          title: 'Crash on empty input',
          body: 'Steps: run it.',
        }),
      )
    const first = await labeled('Agent-Squad')
    expect(first.json.outcome).toMatch(/^task #\d+ created and started \(Dev\)$/)
    const other = await labeled('bug')
    expect(other.json.outcome).toBe("ignored: label bug is not the squad's (agent-squad)")
    const again = await labeled('agent-squad')
    expect(again.json.outcome).toMatch(/^ignored: issue #12 already has task #\d+$/)
    const list = await server.request('GET', `/api/v1/squads/${squad.id}/tasks?q=Crash`)
    const items = (list.json as { items: Task[] }).items
    expect(items).toHaveLength(1)
    const task = Task.parse(items[0])
    expect(task.linked_issue).toEqual({
      repository_id: repoId,
      number: 12,
      url: 'https://github.com/Octo/App/issues/12',
    })
    expect(task).toMatchObject({ status: 'in_progress', assignee_id: dev.id, repository_id: repoId })
    expect(task.description).toContain('Steps: run it.')
  })

  it('latency: webhook received to revision queued', async () => {
    const times: number[] = []
    for (let i = 0; i < 15; i++) {
      const { pr } = await taskInReview()
      const start = performance.now()
      const res = await send(
        'issue_comment',
        payloads.issueComment(REPO, { number: pr, login: 'alice', body: '@agent-squad go' }),
      )
      times.push(performance.now() - start)
      expect(res.json.outcome).toMatch(/^revision queued/)
    }
    times.sort((a, b) => a - b)
    const p50 = times[Math.floor(times.length / 2)] ?? 0
    console.log(
      `[latency] webhook received → revision queued (response): p50 ${p50.toFixed(1)} ms, max ${times.at(-1)?.toFixed(1)} ms over ${times.length}`,
    )
    expect(p50).toBeLessThan(2000)
  })
})
