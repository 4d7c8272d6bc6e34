import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, pullRequests } from '../../src/db/schema.ts'
import type { PullRequestOnForge, PullRequestRef, RepoRef } from '../../src/forge/forge.ts'
import { TEMPLATE_MARKER } from '../../src/forge/github/pull-request-body.ts'
import { skipReason } from '../helpers/test-db.ts'
import { commitFiles, gitOk, headerEnv, newWorkTree, removeTempDirs } from './git-fixture.ts'
import {
  type GitHubFixture,
  httpCredentials,
  OWNER,
  PUBLIC_URL,
  startGitHubFixture,
} from './github-fixture.ts'

// Pull requests on the fake GitHub with a personal access token: what a run's pull request gets
// (template, labels, CODEOWNERS reviewers, the link back), what it costs in requests, and the
// failures GitHub answers with.

/** The pull request as this server records it, for the forge's merge, diff and commits. */
const onForge = (pr: PullRequestRef): PullRequestOnForge => ({
  number: pr.number,
  head: pr.head,
  base: pr.base,
  title: pr.title,
  state: pr.state,
})

describe.skipIf(skipReason)('GitHub pull requests (token)', () => {
  let f: GitHubFixture
  beforeAll(async () => {
    f = await startGitHubFixture('token')
    f.fake.createUser({ login: 'alice' })
    f.fake.createUser({ login: 'bob' })
    f.fake.createUser({ login: 'mallory' })
  })
  afterAll(async () => {
    f.fake.expectNoViolations()
    await f?.stop()
    await removeTempDirs()
  })

  /** A clone of `repo` on its default branch, for pushing branches with the forge's credentials. */
  async function pushBranch(repo: RepoRef, branch: string, files: Record<string, string>) {
    const credentials = await httpCredentials(f.forge, repo, {})
    const env = headerEnv(credentials?.httpHeader ?? '')
    const work = await newWorkTree()
    await gitOk(work, ['fetch', '-q', f.forge.cloneUrl(repo), repo.defaultBranch], env)
    await gitOk(work, ['checkout', '-q', '-B', branch, 'FETCH_HEAD'])
    await commitFiles(work, files, `feat: ${branch}`)
    await gitOk(work, ['push', '-q', '-f', f.forge.cloneUrl(repo), `HEAD:refs/heads/${branch}`], env)
  }

  const draft = (
    repo: RepoRef,
    head: string,
    extra: Partial<Parameters<typeof f.forge.createPullRequest>[0]> = {},
  ) => ({
    repo,
    head,
    base: 'main',
    title: `feat: ${head}`,
    body: `Closes task #1: [Task](/squads/${repo.squadId}/tasks/t-1)\n\n## Summary\n\nDone.`,
    labels: ['agent-squad'],
    reviewers: [],
    taskId: null,
    executionId: null,
    ...extra,
  })

  it('fills the template, links the Work page, adds labels and asks CODEOWNERS, in at most 6 requests', async () => {
    const repo = await f.newRepo('templated', {
      files: {
        'README.md': '# templated\n',
        '.github/pull_request_template.md': '## Checklist\n\n- [ ] Tested\n',
        '.github/CODEOWNERS': '*.md @alice\n/src/ @bob @octo/core\n',
      },
    })
    f.fake.addCollaborator(`${OWNER}/templated`, 'alice', 'write')
    f.fake.addCollaborator(`${OWNER}/templated`, 'bob', 'write')
    await pushBranch(repo, 'task-1', { 'src/a.ts': 'export {}\n' })

    const before = f.seen.length
    const pr = await f.forge.createPullRequest(draft(repo, 'task-1', { reviewers: ['alice'], draft: true }))
    const requests = f.seen.slice(before)
    console.info(
      `[github] first pull request of a repository: ${requests.length} requests\n${requests.map((r) => `  ${r.method} ${r.path} ${r.status}`).join('\n')}`,
    )
    expect(pr).toMatchObject({ number: 1, state: 'open', head: 'task-1', created: true })
    expect(pr.url).toBe(`${f.fake.url}/${OWNER}/templated/pull/1`)

    const [pull] = await f.fake.pulls(`${OWNER}/templated`)
    expect(pull?.pull.draft).toBe(true)
    const body = pull?.body ?? ''
    expect(body).toContain(`[Task](${PUBLIC_URL}/squads/${repo.squadId}/tasks/t-1)`)
    expect(body.indexOf('## Summary')).toBeLessThan(body.indexOf(TEMPLATE_MARKER))
    expect(body).toContain('## Checklist\n\n- [ ] Tested')
    expect(f.fake.issue(`${OWNER}/templated`, 1).labels).toEqual(['agent-squad'])
    // alice asked by the draft, bob (and the team, which the fake does not model) by CODEOWNERS for src/.
    expect(f.fake.reviewRequests(`${OWNER}/templated`, 1).sort()).toEqual(['alice', 'bob'])
    expect(pr.warnings).toBeUndefined()

    // A second pull request on the same base commit: template and CODEOWNERS come from the cache.
    await pushBranch(repo, 'task-2', { 'notes.md': 'x\n' })
    const start = f.seen.length
    const second = await f.forge.createPullRequest(draft(repo, 'task-2'))
    const cost = f.seen.slice(start)
    console.info(
      `[github] happy-path pull request (token, template cached, CODEOWNERS): ${cost.length} requests\n${cost.map((r) => `  ${r.method} ${r.path} ${r.status}`).join('\n')}`,
    )
    expect(second.created).toBe(true)
    expect(f.fake.reviewRequests(`${OWNER}/templated`, second.number)).toEqual(['alice'])
    expect(cost.length).toBeLessThanOrEqual(6)

    // Mirrored: GitHub's number and page, the opened event.
    const db = f.test.database.db
    const [row] = await db
      .select()
      .from(pullRequests)
      .where(and(eq(pullRequests.repositoryId, repo.id), eq(pullRequests.number, 1)))
    expect(row).toMatchObject({ htmlUrl: pr.url, state: 'open', head: 'task-1', labels: ['agent-squad'] })
    const opened = await db.select().from(events).where(eq(events.type, 'pull_request.opened'))
    expect(opened.map((e) => (e.payload as { url: string }).url)).toContain(pr.url)
  })

  it('updates the open pull request after a later run (title, body), never opening a second one', async () => {
    const repo = await f.newRepo('rerun')
    await pushBranch(repo, 'task-3', { 'a.txt': 'a\n' })
    const first = await f.forge.createPullRequest(draft(repo, 'task-3'))
    await pushBranch(repo, 'task-3', { 'a.txt': 'a\n', 'b.txt': 'b\n' })
    const again = await f.forge.createPullRequest(
      draft(repo, 'task-3', { title: 'feat: task-3, revised', body: 'Now with b.' }),
    )
    expect(again).toMatchObject({ number: first.number, created: false, title: 'feat: task-3, revised' })
    const pulls = await f.fake.pulls(`${OWNER}/rerun`)
    expect(pulls).toHaveLength(1)
    expect(pulls[0]?.body).toContain('Now with b.')
    // The same label again is no error.
    expect(f.fake.issue(`${OWNER}/rerun`, first.number).labels).toEqual(['agent-squad'])
    const [row] = await f.test.database.db
      .select()
      .from(pullRequests)
      .where(eq(pullRequests.repositoryId, repo.id))
    expect(row?.title).toBe('feat: task-3, revised')
  })

  it('turns a reviewer GitHub refuses into a warning, still asking the others', async () => {
    const repo = await f.newRepo('refused')
    f.fake.addCollaborator(`${OWNER}/refused`, 'alice', 'write')
    f.fake.addCollaborator(`${OWNER}/refused`, 'mallory', 'write')
    f.fake.refuseReviewer('mallory')
    await pushBranch(repo, 'task-4', { 'a.txt': 'a\n' })
    const pr = await f.forge.createPullRequest(
      draft(repo, 'task-4', { reviewers: ['mallory', 'alice', 'squad-bot'] }),
    )
    expect(pr.created).toBe(true)
    expect(pr.warnings).toHaveLength(1)
    expect(pr.warnings?.[0]).toContain('@mallory')
    // The author (squad-bot) is never asked.
    expect(f.fake.reviewRequests(`${OWNER}/refused`, pr.number)).toEqual(['alice'])
  })

  it('waits out a primary rate limit until its reset and a secondary one for retry-after', async () => {
    const repo = await f.newRepo('limited')
    f.waits.length = 0
    f.fake.rateLimitNext({ kind: 'primary', resetInSeconds: 2 })
    expect(await f.forge.findOpenPullRequest(repo, 'task-x')).toBeNull()
    expect(f.waits).toHaveLength(1)
    expect(f.waits[0]).toBeGreaterThan(1000)
    expect(f.waits[0]).toBeLessThanOrEqual(4000)

    f.fake.rateLimitNext({ kind: 'secondary', retryAfterSeconds: 3, status: 429 })
    expect(await f.forge.findOpenPullRequest(repo, 'task-x')).toBeNull()
    expect(f.waits[1]).toBe(3000)

    f.fake.rateLimitNext({ kind: 'secondary', retryAfterSeconds: 1, status: 403 })
    expect(await f.forge.findOpenPullRequest(repo, 'task-x')).toBeNull()
    expect(f.waits[2]).toBe(1000)
  })

  it('gives up on a rate limit that lasts longer than it may wait, saying when it lifts', async () => {
    const repo = await f.newRepo('long-limit')
    const patient = f.forgeWith({ retry: { maxWaitMs: 500, sleep: async () => {} } })
    f.fake.rateLimitNext({ kind: 'primary', resetInSeconds: 120 })
    await expect(patient.findOpenPullRequest(repo, 'task-x')).rejects.toMatchObject({
      code: 'rate_limited',
      retryable: true,
      message: expect.stringContaining('rate limit'),
    })
  })

  it('tries a server error again, with backoff', async () => {
    const repo = await f.newRepo('flaky')
    f.waits.length = 0
    f.fake.failNext('pulls/list', 502)
    expect(await f.forge.findOpenPullRequest(repo, 'task-x')).toBeNull()
    expect(f.waits).toHaveLength(1)
  })

  it('says a refused token is wrong or revoked (401), never showing it', async () => {
    const repo = await f.newRepo('bad-token')
    const token = f.secrets.get('GH_TOKEN') ?? ''
    f.secrets.set('GH_TOKEN', 'github_pat_not_a_real_one_at_all_000000000000')
    try {
      const error = await f.forge.findOpenPullRequest(repo, 'task-x').catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'forbidden', retryable: false })
      const message = (error as Error).message
      expect(message).toContain('secret GH_TOKEN')
      expect(message).toMatch(/wrong, expired or revoked/)
      expect(JSON.stringify(error)).not.toContain('github_pat_not_a_real_one')
    } finally {
      f.secrets.set('GH_TOKEN', token)
    }
  })

  it('names the permission a token lacks (403)', async () => {
    const repo = await f.newRepo('read-only')
    await pushBranch(repo, 'task-5', { 'a.txt': 'a\n' })
    const token = f.secrets.get('GH_TOKEN') ?? ''
    f.secrets.set(
      'GH_TOKEN',
      f.fake.createToken({
        login: 'squad-bot',
        permissions: { contents: 'read', pull_requests: 'read', metadata: 'read' },
      }),
    )
    try {
      await expect(f.forge.createPullRequest(draft(repo, 'task-5'))).rejects.toMatchObject({
        code: 'forbidden',
        message: expect.stringContaining('pull_requests=write'),
      })
    } finally {
      f.secrets.set('GH_TOKEN', token)
    }
  })

  it('checks a repository: its branch and permissions, or what is wrong', async () => {
    const repo = await f.newRepo('checked')
    const check = await f.forge.checkRepository?.(repo)
    expect(check).toMatchObject({ reachable: true, default_branch: 'main' })
    expect(check?.head).toMatch(/^[0-9a-f]{40}$/)
    expect(check?.permissions).toContain('contents:write')

    await expect(f.forge.checkRepository?.({ ...repo, defaultBranch: 'trunk' })).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('has no branch trunk'),
    })
    const missing = {
      ...repo,
      github: { ...(repo.github as NonNullable<RepoRef['github']>), repo: `${OWNER}/nope` },
    }
    await expect(f.forge.checkRepository?.(missing)).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining(`no repository ${OWNER}/nope`),
    })
    const empty = await f.newRepo('empty-one', { empty: true })
    await expect(f.forge.checkRepository?.(empty)).rejects.toMatchObject({ code: 'validation_failed' })
    const token = f.secrets.get('GH_TOKEN') ?? ''
    f.secrets.delete('GH_TOKEN')
    try {
      await expect(f.forge.checkRepository?.(repo)).rejects.toMatchObject({
        code: 'validation_failed',
        message: expect.stringContaining('no secret GH_TOKEN'),
      })
      f.secrets.set('GH_TOKEN', 'ghp_refused000000000000000000000000000')
      await expect(f.forge.checkRepository?.(repo)).rejects.toMatchObject({
        code: 'validation_failed',
        message: expect.stringContaining('refused'),
      })
    } finally {
      f.secrets.set('GH_TOKEN', token)
    }
  })

  it('merges a pull request, and answers already-merged the second time', async () => {
    const repo = await f.newRepo('merging')
    await pushBranch(repo, 'task-6', { 'a.txt': 'a\n' })
    const pr = await f.forge.createPullRequest(draft(repo, 'task-6'))
    const merged = await f.forge.mergePullRequest?.(repo, onForge(pr), {
      mergedBy: { name: 'A', email: 'a@example.com' },
    })
    expect(merged?.method).toBe('merge-commit')
    expect(await f.fake.branchSha(`${OWNER}/merging`, 'main')).toBe(merged?.commit)
    const again = await f.forge.mergePullRequest?.(repo, onForge(pr), {
      mergedBy: { name: 'A', email: 'a@x' },
    })
    expect(again).toEqual({ method: 'already-merged', commit: merged?.commit })
    // Diff and commits read from GitHub, in this server's shape.
    const diff = await f.forge.pullRequestDiff?.(repo, { ...onForge(pr), state: 'merged' })
    expect(diff?.files.map((file) => [file.path, file.status])).toEqual([['a.txt', 'A']])
    expect(diff?.patch).toContain('+++ b/a.txt')
    const commits = await f.forge.pullRequestCommits?.(repo, { ...onForge(pr), state: 'merged' })
    expect(commits?.items.map((c) => c.subject)).toHaveLength(1)
  })

  it('refuses to merge a pull request with conflicts (a conflict error)', async () => {
    const repo = await f.newRepo('conflicting')
    await pushBranch(repo, 'task-7', { 'README.md': 'mine\n' })
    const pr = await f.forge.createPullRequest(draft(repo, 'task-7'))
    await f.fake.commit({
      repo: `${OWNER}/conflicting`,
      branch: 'main',
      files: { 'README.md': 'theirs\n' },
      message: 'x',
    })
    await expect(
      f.forge.mergePullRequest?.(repo, onForge(pr), { mergedBy: { name: 'A', email: 'a@x' } }),
    ).rejects.toMatchObject({ code: 'conflict' })
  })

  it('knows who it is and what a person may do', async () => {
    const repo = await f.newRepo('people')
    f.fake.addCollaborator(`${OWNER}/people`, 'alice', 'maintain')
    expect(await f.forge.identity?.(repo)).toEqual({ login: 'squad-bot' })
    expect(await f.forge.permissionOf?.(repo, 'alice')).toBe('maintain')
    expect(await f.forge.permissionOf?.(repo, 'bob')).toBe('none')
    expect(await f.forge.permissionOf?.(repo, 'no-such-user')).toBe('none')
  })
})
