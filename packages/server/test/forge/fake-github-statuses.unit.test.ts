import { Octokit } from '@octokit/rest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github/index.ts'

// The fake GitHub's commit statuses, driven by Octokit: who may set one (push access, and a token's
// `statuses` permission or classic `repo`/`repo:status` scope), GitHub's validation, and the
// combined state of a commit's contexts.

const SLOW = { timeout: 120_000 }
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const REPO = { owner: 'alice', repo: 'widgets' }

let fake: FakeGitHub
let sha: string

const octokit = (auth: string) => new Octokit({ baseUrl: fake.apiUrl, auth, log: quiet })
const statusOf = (error: unknown) => (error as { status?: number }).status

beforeAll(async () => {
  fake = await startFakeGitHub()
  fake.createUser({ login: 'alice' })
  fake.createUser({ login: 'rita' })
  await fake.createRepo({ fullName: 'alice/widgets' })
  fake.addCollaborator('alice/widgets', 'rita', 'read')
  sha = (await fake.branchSha('alice/widgets', 'main')) ?? ''
}, 120_000)
afterAll(async () => {
  await fake?.close()
})

describe('fake GitHub: commit statuses', () => {
  it('keeps every status and combines each context’s latest, as GitHub does', SLOW, async () => {
    const api = octokit(fake.createToken({ login: 'alice' }))
    const created = await api.rest.repos.createCommitStatus({
      ...REPO,
      sha,
      state: 'pending',
      context: 'ci/build',
      target_url: 'https://ci.example/1',
      description: 'Building',
    })
    expect(created.status).toBe(201)
    expect(created.data).toMatchObject({ state: 'pending', context: 'ci/build', creator: { login: 'alice' } })
    await api.rest.repos.createCommitStatus({ ...REPO, sha, state: 'success', context: 'CI/build' })
    await api.rest.repos.createCommitStatus({ ...REPO, sha, state: 'pending', context: 'lint' })

    const combined = (await api.rest.repos.getCombinedStatusForRef({ ...REPO, ref: 'main' })).data
    expect(combined).toMatchObject({ state: 'pending', sha, total_count: 2 })
    expect(combined.statuses.map((s) => [s.context, s.state])).toEqual([
      ['CI/build', 'success'],
      ['lint', 'pending'],
    ])
    await api.rest.repos.createCommitStatus({ ...REPO, sha, state: 'error', context: 'lint' })
    expect((await api.rest.repos.getCombinedStatusForRef({ ...REPO, ref: sha })).data.state).toBe('failure')

    const listed = (await api.rest.repos.listCommitStatusesForRef({ ...REPO, ref: 'heads/main' })).data
    expect(listed.map((s) => s.state)).toEqual(['error', 'pending', 'success', 'pending']) // newest first
    expect(fake.statuses('alice/widgets', sha)).toHaveLength(4)
    expect(fake.statuses('alice/widgets', 'f'.repeat(40))).toEqual([])
    // No status at all is pending.
    const other = await fake.commit({ repo: 'alice/widgets', branch: 'x', files: { a: 'a\n' }, message: 'x' })
    expect((await api.rest.repos.getCombinedStatusForRef({ ...REPO, ref: other })).data).toMatchObject({
      state: 'pending',
      total_count: 0,
    })
    fake.expectNoViolations()
  })

  it(
    'answers GitHub’s refusals: a branch for a sha, an unknown commit, a description over 140',
    SLOW,
    async () => {
      const api = octokit(fake.createToken({ login: 'alice' }))
      const attempt = (over: { sha?: string; description?: string }) =>
        api.rest.repos
          .createCommitStatus({ ...REPO, sha, state: 'success', ...over })
          .then(() => 201, statusOf)
      expect(await attempt({ sha: 'main' })).toBe(422)
      expect(await attempt({ sha: '0'.repeat(40) })).toBe(422)
      expect(await attempt({ description: 'x'.repeat(141) })).toBe(422)
      expect(await attempt({ description: 'x'.repeat(140) })).toBe(201)
      fake.expectNoViolations()
    },
  )

  it(
    'lets a classic token with repo:status alone set statuses on a private repository, and nothing else',
    SLOW,
    async () => {
      const api = octokit(fake.createToken({ login: 'alice', scopes: ['repo:status'] }))
      const created = await api.rest.repos.createCommitStatus({
        ...REPO,
        sha,
        state: 'success',
        context: 'scoped',
      })
      expect(created.status).toBe(201)
      expect((await api.rest.repos.getCombinedStatusForRef({ ...REPO, ref: sha })).status).toBe(200)
      expect(await api.rest.pulls.list(REPO).then(() => 200, statusOf)).toBe(404)
      const none = octokit(fake.createToken({ login: 'alice', scopes: ['read:user'] }))
      expect(
        await none.rest.repos
          .createCommitStatus({ ...REPO, sha, state: 'success' })
          .then(() => 201, statusOf),
      ).toBe(404)
    },
  )

  it('refuses a fine-grained token without statuses: write, and a reader', SLOW, async () => {
    const readOnly = octokit(fake.createToken({ login: 'alice', permissions: { statuses: 'read' } }))
    expect((await readOnly.rest.repos.getCombinedStatusForRef({ ...REPO, ref: sha })).status).toBe(200)
    const refused = await readOnly.rest.repos
      .createCommitStatus({ ...REPO, sha, state: 'success' })
      .catch((e: unknown) => e)
    expect(refused).toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by personal access token'),
    })
    const reader = octokit(fake.createToken({ login: 'rita' }))
    expect(
      await reader.rest.repos
        .createCommitStatus({ ...REPO, sha, state: 'success' })
        .then(() => 201, statusOf),
    ).toBe(403)
  })
})
