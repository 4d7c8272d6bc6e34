import { Agent, Squad, Task } from '@agent-squad/contract'
import { and, eq, like } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { repositories, taskExecutions, tasks, webhookDeliveries } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import type { Forge, ForgeEvent, RepoRef } from '../../src/forge/forge.ts'
import { POLL_CURSOR_KEY, pollGitHubEvents } from '../../src/webhooks/poll-github-events.ts'
import { pollPlanOf } from '../../src/webhooks/start-github-poller.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

describe('pollPlanOf (SQUAD_GITHUB_POLL_SECONDS)', () => {
  it('is off at 0, polls everything at a number, and by default only what no webhook secret covers', () => {
    expect(pollPlanOf({ SQUAD_GITHUB_POLL_SECONDS: 0, SQUAD_GITHUB_WEBHOOK_SECRET: undefined })).toBeNull()
    expect(pollPlanOf({ SQUAD_GITHUB_POLL_SECONDS: 30, SQUAD_GITHUB_WEBHOOK_SECRET: 's' })).toEqual({
      intervalMs: 30_000,
      scope: 'all',
    })
    expect(
      pollPlanOf({ SQUAD_GITHUB_POLL_SECONDS: undefined, SQUAD_GITHUB_WEBHOOK_SECRET: undefined }),
    ).toEqual({
      intervalMs: 60_000,
      scope: 'unhooked',
    })
    expect(pollPlanOf({ SQUAD_GITHUB_POLL_SECONDS: undefined, SQUAD_GITHUB_WEBHOOK_SECRET: 's' })).toBeNull()
  })
})

describe.skipIf(skipReason)('the GitHub poller', () => {
  let server: TestServer
  let squad: Squad
  let dev: Agent
  const db = () => server.db.database.db
  const post = async <T>(path: string, body: unknown, parse: { parse(v: unknown): T }) => {
    const res = await server.request('POST', path, { body })
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.json)}`)
    return parse.parse(res.json)
  }
  const githubRepo = async (squadId: string, name: string) => {
    const id = newId()
    await db()
      .insert(repositories)
      .values({
        id,
        squadId,
        name,
        kind: 'github',
        url: `https://github.com/octo/${name}.git`,
        github: { repo: `octo/${name}`, auth: { kind: 'token', secret: 'GITHUB_TOKEN' }, base_url: null },
      })
    return id
  }
  const taskInReview = async (repoId: string, pr: number) => {
    const task = await post(
      `/api/v1/squads/${squad.id}/tasks`,
      { title: `PR ${pr}`, repository_id: repoId, assignee_id: dev.id, status: 'in_review' },
      Task,
    )
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
    return task
  }

  /** A forge whose pollEvents answers from a script: one page per call, remembering the cursors it got. */
  const scriptedForge = (pages: { events: ForgeEvent[]; cursor: string }[] | Error) => {
    const asked: (string | null)[] = []
    const forge: Forge = {
      name: 'github (poll test)',
      capabilities: { pullRequests: true, merge: true, checks: false },
      cloneUrl: () => 'https://github.com/octo/app.git',
      credentials: async () => null,
      ensureRepository: async () => {},
      findOpenPullRequest: async () => null,
      createPullRequest: async () => {
        throw new Error('not here')
      },
      identity: async () => ({ login: 'squad-machine-user' }),
      permissionOf: async (_repo, login) => (login === 'alice' ? 'write' : 'read'),
      pollEvents: async (_repo, cursor) => {
        asked.push(cursor)
        if (pages instanceof Error) throw pages
        const page = pages[asked.length - 1]
        if (!page) throw new Error('no more pages scripted')
        return page
      },
    }
    return { forge, asked }
  }

  beforeAll(async () => {
    server = await startTestServer({ env: { SQUAD_GITHUB_POLL_SECONDS: '0' } })
    squad = await post('/api/v1/squads', { name: 'Polled' }, Squad)
    dev = await post(
      `/api/v1/squads/${squad.id}/agents`,
      { name: 'Dev', role: 'backend', llm_provider: 'script' },
      Agent,
    )
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('applies the same events once across two polls, and keeps the cursor in the repository', async () => {
    const repoId = await githubRepo(squad.id, 'app')
    const reviewed = await taskInReview(repoId, 5)
    const merged = await taskInReview(repoId, 6)
    const found: ForgeEvent[] = [
      {
        kind: 'comment',
        id: 'comment-1',
        number: 5,
        author: 'alice',
        body: '@agent-squad add a test',
        onPullRequest: true,
      },
      {
        kind: 'review',
        id: 'review-2',
        number: 5,
        author: 'alice',
        state: 'commented',
        body: '',
        comments: [{ path: 'src/x.ts', line: 2, body: 'nit' }],
      },
      {
        kind: 'pull_request_closed',
        id: 'pr-6-closed',
        number: 6,
        head: `task-${merged.number}`,
        merged: true,
        mergeCommit: null,
      },
    ]
    // The second poll overlaps the first (a conditional request that came back changed, say).
    const { forge, asked } = scriptedForge([
      { events: found, cursor: 'etag-1' },
      { events: found, cursor: 'etag-2' },
    ])
    const forgeFor = (repo: RepoRef) => (repo.id === repoId ? forge : server.deps.localForge)
    const pass = () => pollGitHubEvents({ db: db(), forgeFor, webBaseUrl: 'http://web', scope: 'all' })
    expect(await pass()).toEqual({ polled: 1, applied: 3, failed: 0 })
    expect(await pass()).toEqual({ polled: 1, applied: 0, failed: 0 })
    expect(asked).toEqual([null, 'etag-1'])
    const [repo] = await db().select().from(repositories).where(eq(repositories.id, repoId))
    expect(repo?.config[POLL_CURSOR_KEY]).toBe('etag-2')
    const revisions = await db()
      .select()
      .from(taskExecutions)
      .where(and(eq(taskExecutions.taskId, reviewed.id), eq(taskExecutions.runReason, 'revision')))
    expect(revisions).toHaveLength(1)
    const [done] = await db().select().from(tasks).where(eq(tasks.id, merged.id))
    expect(done?.status).toBe('done')
    const keys = await db()
      .select()
      .from(webhookDeliveries)
      .where(like(webhookDeliveries.id, `github-poll:${repoId}:%`))
    expect(keys.map((k) => [k.event, k.source, k.outcome]).sort()).toEqual(
      [
        ['comment', 'github-poll', `revision queued for task #${reviewed.number}`],
        ['pull_request_closed', 'github-poll', `task #${merged.number} done (pull request #6 merged)`],
        ['review', 'github-poll', 'ignored: does not mention @agent-squad'],
      ].sort(),
    )
  })

  it('skips repositories a webhook secret covers by default, and survives a forge that fails', async () => {
    const other = await post('/api/v1/squads', { name: 'Hooked' }, Squad)
    const hookedRepo = await githubRepo(other.id, 'hooked')
    const put = await server.request('PUT', `/api/v1/squads/${other.id}/secrets/GITHUB_WEBHOOK_SECRET`, {
      body: { value: 'hook-secret' },
    })
    expect(put.status).toBe(201)
    const brokenRepo = await githubRepo(squad.id, 'broken')
    const hooked = scriptedForge([{ events: [], cursor: 'x' }])
    const broken = scriptedForge(new Error('GitHub is down'))
    const quiet = scriptedForge(Array.from({ length: 5 }, () => ({ events: [], cursor: 'etag-2' })))
    const forgeFor = (repo: RepoRef) =>
      repo.id === hookedRepo ? hooked.forge : repo.id === brokenRepo ? broken.forge : quiet.forge
    const result = await pollGitHubEvents({ db: db(), forgeFor, webBaseUrl: 'http://web', scope: 'unhooked' })
    expect(result).toEqual({ polled: 2, applied: 0, failed: 1 })
    expect(hooked.asked).toEqual([])
    expect(quiet.asked).toEqual(['etag-2'])
    const [repo] = await db().select().from(repositories).where(eq(repositories.id, brokenRepo))
    expect(repo?.config[POLL_CURSOR_KEY]).toBeUndefined()
  })
})
