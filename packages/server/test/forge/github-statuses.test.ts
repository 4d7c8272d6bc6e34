import { Octokit } from '@octokit/rest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CheckRunInput, RepoRef } from '../../src/forge/forge.ts'
import { skipReason } from '../helpers/test-db.ts'
import { removeTempDirs } from './git-fixture.ts'
import { type GitHubFixture, OWNER, PUBLIC_URL, startGitHubFixture } from './github-fixture.ts'

// A run shown on GitHub with a personal access token: GitHub keeps check runs to Apps, so the
// adapter sets a commit status (context = the check's name, link = the Work page) instead.

// The first use of each of GitHub's large schemas compiles it: seconds on a loaded machine.
const SLOW = { timeout: 120_000 }
const WORK_PAGE = `${PUBLIC_URL}/squads/s-1/tasks/t-1`

describe.skipIf(skipReason)('GitHub forge with a token: runs as commit statuses', () => {
  let f: GitHubFixture
  let repo: RepoRef
  let head: string
  const full = `${OWNER}/statuses`

  beforeAll(async () => {
    f = await startGitHubFixture('token')
    repo = await f.newRepo('statuses')
    head = (await f.fake.branchSha(full, 'main')) ?? ''
  }, 120_000)
  afterAll(async () => {
    f?.fake.expectNoViolations()
    await f?.stop()
    await removeTempDirs()
  })

  const check = (
    over: Partial<CheckRunInput> & { id?: string | null },
  ): CheckRunInput & { id?: string | null } => ({
    headSha: head,
    name: 'Agent Squad',
    title: 'Opening the pull request',
    summary: 'Task #1: Add a greeting',
    detailsUrl: WORK_PAGE,
    status: 'in_progress',
    ...over,
  })

  /** GitHub's combined view of a commit, read as any client would. */
  const combined = async (sha: string) => {
    const api = new Octokit({ baseUrl: f.fake.apiUrl, auth: f.secrets.get('GH_TOKEN') })
    return (await api.rest.repos.getCombinedStatusForRef({ owner: OWNER, repo: 'statuses', ref: sha })).data
  }

  it('sets a pending status, then a success one, linking the Work page', SLOW, async () => {
    const opened = await f.forge.reportCheck?.(repo, check({}))
    expect(opened?.id).toBe(`status:${head}`)
    expect(f.fake.checkRuns(full)).toEqual([]) // no check run was even tried
    expect(f.fake.statuses(full, head)).toMatchObject([
      {
        state: 'pending',
        context: 'Agent Squad',
        targetUrl: WORK_PAGE,
        description: 'Opening the pull request',
        creator: { login: 'squad-bot' },
      },
    ])
    expect((await combined(head)).state).toBe('pending')

    await f.forge.reportCheck?.(
      repo,
      check({
        id: opened?.id ?? null,
        status: 'completed',
        conclusion: 'success',
        title: 'Done: the pull request is ready for review',
      }),
    )
    expect(f.fake.statuses(full, head).map((s) => [s.state, s.context, s.targetUrl])).toEqual([
      ['pending', 'Agent Squad', WORK_PAGE],
      ['success', 'Agent Squad', WORK_PAGE],
    ])
    const view = await combined(head)
    expect(view).toMatchObject({ state: 'success', sha: head, total_count: 1 })
    expect(view.statuses).toMatchObject([{ context: 'Agent Squad', state: 'success', target_url: WORK_PAGE }])
  })

  it(
    'sets a failed run as failure, a cancelled one as error, and keeps a long title to 140 characters',
    SLOW,
    async () => {
      const failed = await f.fake.commit({
        repo: full,
        branch: 'failed',
        files: { 'a.txt': 'a\n' },
        message: 'a',
      })
      await f.forge.reportCheck?.(repo, check({ headSha: failed }))
      await f.forge.reportCheck?.(
        repo,
        check({ headSha: failed, status: 'completed', conclusion: 'failure', title: 'The run failed' }),
      )
      expect(f.fake.statuses(full, failed).map((s) => s.state)).toEqual(['pending', 'failure'])
      expect((await combined(failed)).state).toBe('failure')

      const cancelled = await f.fake.commit({
        repo: full,
        branch: 'cancelled',
        files: { 'b.txt': 'b\n' },
        message: 'b',
      })
      const title = `Cancelled ${'é'.repeat(200)}`
      await f.forge.reportCheck?.(
        repo,
        check({ headSha: cancelled, status: 'completed', conclusion: 'cancelled', title }),
      )
      const [status] = f.fake.statuses(full, cancelled)
      expect(status?.state).toBe('error')
      expect([...(status?.description ?? '')]).toHaveLength(140)
      expect(status?.targetUrl).toBe(WORK_PAGE)
    },
  )

  it('is refused a status by a fine-grained token without the statuses permission', SLOW, async () => {
    const token = f.secrets.get('GH_TOKEN') ?? ''
    f.secrets.set(
      'GH_TOKEN',
      f.fake.createToken({
        login: 'squad-bot',
        permissions: { contents: 'write', pull_requests: 'write', issues: 'write' },
      }),
    )
    try {
      const before = f.fake.statuses(full).length
      await expect(f.forge.reportCheck?.(repo, check({}))).rejects.toMatchObject({ code: 'forbidden' })
      expect(f.fake.statuses(full)).toHaveLength(before)
    } finally {
      f.secrets.set('GH_TOKEN', token)
    }
  })
})
