import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newId } from '../../src/domain/ids.ts'
import type { RepoRef } from '../../src/forge/forge.ts'
import { skipReason } from '../helpers/test-db.ts'
import { commitFiles, git, gitOk, headerEnv, newWorkTree, removeTempDirs } from './git-fixture.ts'
import { type GitHubFixture, httpCredentials, OWNER, startGitHubFixture } from './github-fixture.ts'

// The adapter as a GitHub App on the fake GitHub: installation tokens per execution (narrowed to
// one repository, renewed before they expire, revoked at release), check runs, its bot identity,
// and the poller with conditional requests.

describe.skipIf(skipReason)('GitHub forge as a GitHub App', () => {
  let f: GitHubFixture
  let repo: RepoRef
  beforeAll(async () => {
    f = await startGitHubFixture('app')
    f.fake.createUser({ login: 'alice' })
    repo = await f.newRepo('app-repo')
    f.fake.addCollaborator(`${OWNER}/app-repo`, 'alice', 'write')
  })
  afterAll(async () => {
    f.fake.expectNoViolations()
    await f?.stop()
    await removeTempDirs()
  })

  const lsRemote = async (target: RepoRef, header: string) =>
    (await git(process.cwd(), ['ls-remote', f.forge.cloneUrl(target)], headerEnv(header))).code

  it('mints one token per execution, for that repository only, and revokes it at release', async () => {
    const first = await httpCredentials(f.forge, repo, { executionId: 'exec-1' })
    expect(first?.httpHeader).toMatch(/^Authorization: Basic /)
    expect(first?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000)
    const again = await httpCredentials(f.forge, repo, { executionId: 'exec-1' })
    expect(again?.httpHeader).toBe(first?.httpHeader)
    const other = await httpCredentials(f.forge, repo, { executionId: 'exec-2' })
    expect(other?.httpHeader).not.toBe(first?.httpHeader)

    expect(await lsRemote(repo, first?.httpHeader ?? '')).toBe(0)
    const elsewhere = await f.newRepo('app-other')
    expect(await lsRemote(elsewhere, first?.httpHeader ?? '')).not.toBe(0)

    await f.forge.releaseCredentials?.({ executionId: 'exec-1' })
    expect(await lsRemote(repo, first?.httpHeader ?? '')).not.toBe(0)
    expect(await lsRemote(repo, other?.httpHeader ?? '')).toBe(0)
    await f.forge.releaseCredentials?.({ executionId: 'exec-2' })
  })

  it('mints a fresh token when asked within five minutes of expiry, and revokes both at release', async () => {
    f.fake.setInstallationTokenTtl(120)
    try {
      const dying = await httpCredentials(f.forge, repo, { executionId: 'exec-long' })
      expect(dying?.expiresAt?.getTime()).toBeLessThan(Date.now() + 5 * 60_000)
      f.fake.setInstallationTokenTtl(3600)
      const fresh = await httpCredentials(f.forge, repo, { executionId: 'exec-long' })
      expect(fresh?.httpHeader).not.toBe(dying?.httpHeader)
      expect(await lsRemote(repo, fresh?.httpHeader ?? '')).toBe(0)
      const before = f.seen.length
      await f.forge.releaseCredentials?.({ executionId: 'exec-long' })
      expect(f.seen.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(2)
      expect(await lsRemote(repo, fresh?.httpHeader ?? '')).not.toBe(0)
    } finally {
      f.fake.setInstallationTokenTtl(3600)
    }
  })

  it('pushes and opens a pull request with the execution token, minting nothing more', async () => {
    const executionId = newId()
    const credentials = await httpCredentials(f.forge, repo, { executionId })
    const env = headerEnv(credentials?.httpHeader ?? '')
    const work = await newWorkTree()
    await gitOk(work, ['fetch', '-q', f.forge.cloneUrl(repo), 'main'], env)
    await gitOk(work, ['checkout', '-q', '-b', 'task-1', 'FETCH_HEAD'])
    await commitFiles(work, { 'a.txt': 'a\n' }, 'feat: a')
    await gitOk(work, ['push', '-q', f.forge.cloneUrl(repo), 'HEAD:refs/heads/task-1'], env)
    const before = f.seen.length
    const pr = await f.forge.createPullRequest({
      repo,
      head: 'task-1',
      base: 'main',
      title: 'feat: a',
      body: 'Adds a.',
      labels: ['agent-squad'],
      reviewers: ['alice'],
      taskId: null,
      executionId,
    })
    const cost = f.seen.slice(before)
    console.info(
      `[github] pull request as an App with the execution's token: ${cost.length} requests\n${cost.map((r) => `  ${r.method} ${r.path} ${r.status}`).join('\n')}`,
    )
    expect(pr.created).toBe(true)
    expect(cost.some((r) => r.path.includes('access_tokens'))).toBe(false)
    expect(f.fake.reviewRequests(`${OWNER}/app-repo`, pr.number)).toEqual(['alice'])
    await f.forge.releaseCredentials?.({ executionId })
  })

  it('shows a run as a check run: in progress, then completed, linking the Work page', async () => {
    const headSha = (await f.fake.branchSha(`${OWNER}/app-repo`, 'task-1')) ?? ''
    const detailsUrl = 'https://squad.example/squads/s/tasks/t'
    const { id } =
      (await f.forge.reportCheck?.(repo, {
        headSha,
        name: 'Agent Squad',
        title: 'Working',
        summary: 'The agent is working on the task.',
        detailsUrl,
        status: 'in_progress',
      })) ?? {}
    expect(f.fake.checkRuns(`${OWNER}/app-repo`)).toMatchObject([
      { status: 'in_progress', name: 'Agent Squad' },
    ])
    await f.forge.reportCheck?.(repo, {
      id: id ?? null,
      headSha,
      name: 'Agent Squad',
      title: 'Done',
      summary: 'Opened the pull request.',
      detailsUrl,
      status: 'completed',
      conclusion: 'success',
    })
    const [run] = f.fake.checkRuns(`${OWNER}/app-repo`)
    expect(run).toMatchObject({ status: 'completed', conclusion: 'success', detailsUrl })
    expect(run?.output.summary).toContain(detailsUrl)
  })

  it('acts as its bot', async () => {
    expect(await f.forge.identity?.(repo)).toEqual({ login: `${f.fake.app.slug}[bot]` })
  })

  it('polls reviews with their line comments, comments and merges; an idle poll is answered 304', async () => {
    const baseline = await f.forge.pollEvents?.(repo, null)
    expect(baseline?.events).toEqual([])
    await new Promise((resolve) => setTimeout(resolve, 1100)) // GitHub's timestamps are in seconds
    await f.fake.submitReview({
      repo: `${OWNER}/app-repo`,
      number: 1,
      author: 'alice',
      state: 'CHANGES_REQUESTED',
      body: 'Please rename.',
      comments: [{ path: 'a.txt', line: 1, body: 'Call it b.' }],
    })
    f.fake.addComment({ repo: `${OWNER}/app-repo`, number: 1, author: 'alice', body: '@squad please fix' })
    const polled = await f.forge.pollEvents?.(repo, baseline?.cursor ?? null)
    const events = polled?.events ?? []
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'review',
        number: 1,
        author: 'alice',
        state: 'changes_requested',
        body: 'Please rename.',
        comments: [{ path: 'a.txt', line: 1, body: 'Call it b.' }],
      }),
    )
    expect(events).toContainEqual(
      expect.objectContaining({ kind: 'comment', number: 1, body: '@squad please fix', onPullRequest: true }),
    )
    expect(events.find((e) => e.kind === 'review')?.id).toMatch(/^github:review:\d+$/)

    const before = f.seen.length
    const idle = await f.forge.pollEvents?.(repo, polled?.cursor ?? null)
    const idleRequests = f.seen.slice(before)
    expect(idle?.events).toEqual([])
    expect(idleRequests.map((r) => r.status)).toEqual([304, 304])

    await f.forge.mergePullRequest?.(
      repo,
      { number: 1, head: 'task-1', base: 'main', title: 'task 1', state: 'open' },
      { mergedBy: { name: 'A', email: 'a@x' } },
    )
    const merged = await f.forge.pollEvents?.(repo, idle?.cursor ?? null)
    expect(merged?.events).toContainEqual(
      expect.objectContaining({ kind: 'pull_request_closed', number: 1, head: 'task-1', merged: true }),
    )
  })

  it('says when the App is not installed on the repository', async () => {
    await f.fake.createRepo({ fullName: 'stranger/elsewhere' })
    const foreign: RepoRef = {
      ...repo,
      github: { ...(repo.github as NonNullable<RepoRef['github']>), repo: 'stranger/elsewhere' },
    }
    await expect(f.forge.credentials(foreign, { executionId: 'exec-x' })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('is not installed on stranger/elsewhere'),
    })
  })
})
