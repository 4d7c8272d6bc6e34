import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Octokit } from '@octokit/rest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runGit } from '../../src/git/run-git.ts'
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github/index.ts'

// The first use of each of GitHub's large schemas compiles it: seconds on a loaded machine.
const SLOW = { timeout: 90_000 }

// The fake GitHub driven the way the GitHub forge adapter will drive it: a real Octokit client over
// HTTP and a real git client over smart HTTP. Every request and response in the realistic flow must
// match GitHub's published OpenAPI description (expectNoViolations).

const TEMPLATE = '## What\n\n## Why\n'
const ISOLATED = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Alice',
  GIT_AUTHOR_EMAIL: 'alice@example.com',
  GIT_COMMITTER_NAME: 'Alice',
  GIT_COMMITTER_EMAIL: 'alice@example.com',
}

let fake: FakeGitHub
let work: string

async function git(cwd: string, args: string[], okExitCodes = [0]) {
  return runGit(args, { cwd, env: ISOLATED, okExitCodes })
}

/** A clone address with credentials in it, as the adapter's credential handling would produce. */
function cloneUrl(repo: string, token: string | null, user = 'x-access-token') {
  const url = new URL(`${fake.url}/${repo}.git`)
  if (token) Object.assign(url, { username: user, password: token })
  return url.toString()
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

function octokit(auth: string) {
  return new Octokit({ baseUrl: fake.apiUrl, auth, log: quiet })
}

beforeAll(async () => {
  fake = await startFakeGitHub()
  work = await mkdtemp(join(tmpdir(), 'fake-github-test-'))
  fake.createUser({ login: 'alice', email: 'alice@example.com' })
  fake.createUser({ login: 'bob' })
  fake.createUser({ login: 'carol' })
  await fake.createRepo({
    fullName: 'alice/widgets',
    files: {
      'README.md': '# widgets\n',
      '.github/pull_request_template.md': TEMPLATE,
      CODEOWNERS: '* @alice\n',
    },
  })
  fake.addCollaborator('alice/widgets', 'bob', 'write')
})

afterAll(async () => {
  await fake?.close()
  if (work) await rm(work, { recursive: true, force: true })
})

describe('fake GitHub: REST and git with a personal access token', () => {
  it('serves a pull request from push to merge, every message as GitHub describes it', SLOW, async () => {
    const token = fake.createToken({ login: 'alice' })
    const api = octokit(token)
    const repo = { owner: 'alice', repo: 'widgets' }

    const { data: info } = await api.repos.get(repo)
    expect(info.default_branch).toBe('main')
    expect(info.permissions).toMatchObject({ admin: true, push: true, pull: true })
    const { data: me } = await api.users.getAuthenticated()
    expect(me.login).toBe('alice')

    const { data: template } = await api.repos.getContent({
      ...repo,
      path: '.github/pull_request_template.md',
    })
    if (Array.isArray(template) || template.type !== 'file') throw new Error('expected a file')
    expect(Buffer.from(template.content, 'base64').toString('utf8')).toBe(TEMPLATE)
    await expect(api.repos.getContent({ ...repo, path: 'nope.md' })).rejects.toMatchObject({ status: 404 })

    // Real git: clone with the token, commit, push a branch.
    const clone = join(work, 'alice-clone')
    await git(work, ['clone', '--quiet', cloneUrl('alice/widgets', token), clone])
    await git(clone, ['checkout', '--quiet', '-b', 'squad/add-widget'])
    await writeFile(join(clone, 'widget.ts'), 'export const widget = 1\n')
    await git(clone, ['add', '.'])
    await git(clone, ['commit', '--quiet', '-m', 'feat: add widget'])
    await git(clone, ['push', '--quiet', 'origin', 'squad/add-widget'])
    const pushed = (await git(clone, ['rev-parse', 'HEAD'])).stdout.trim()
    expect(await fake.branchSha('alice/widgets', 'squad/add-widget')).toBe(pushed)

    const { data: pull } = await api.pulls.create({
      ...repo,
      title: 'Add widget',
      head: 'alice:squad/add-widget',
      base: 'main',
      body: TEMPLATE,
      draft: false,
    })
    expect(pull.number).toBe(1)
    expect(pull.html_url).toBe(`${fake.url}/alice/widgets/pull/1`)
    expect(pull.head.sha).toBe(pushed)
    expect(pull.mergeable).toBe(true)
    expect((await fetch(pull.html_url)).status).toBe(200)
    await expect(
      api.pulls.create({ ...repo, title: 'again', head: 'alice:squad/add-widget', base: 'main' }),
    ).rejects.toMatchObject({
      status: 422,
      response: {
        data: { errors: [{ message: 'A pull request already exists for alice:squad/add-widget.' }] },
      },
    })
    const { data: listed } = await api.pulls.list({ ...repo, head: 'alice:squad/add-widget', state: 'open' })
    expect(listed.map((p) => p.number)).toEqual([1])
    expect((await api.pulls.list({ ...repo, head: 'alice:other' })).data).toEqual([])

    await api.issues.addLabels({ ...repo, issue_number: 1, labels: ['agent-squad'] })
    expect(fake.labels('alice/widgets').map((l) => l.name)).toEqual(['agent-squad'])
    await expect(
      api.issues.createLabel({ ...repo, name: 'agent-squad', color: '5319e7' }),
    ).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ code: 'already_exists' }] } },
    })
    expect((await api.issues.get({ ...repo, issue_number: 1 })).data.labels).toMatchObject([
      { name: 'agent-squad' },
    ])

    await api.pulls.requestReviewers({ ...repo, pull_number: 1, reviewers: ['bob'] })
    expect(fake.reviewRequests('alice/widgets', 1)).toEqual(['bob'])
    await expect(
      api.pulls.requestReviewers({ ...repo, pull_number: 1, reviewers: ['carol'] }),
    ).rejects.toMatchObject({ status: 422 })
    fake.refuseReviewer('bob')
    await expect(
      api.pulls.requestReviewers({ ...repo, pull_number: 1, reviewers: ['bob'] }),
    ).rejects.toMatchObject({ status: 422 })

    await fake.submitReview({
      repo: 'alice/widgets',
      number: 1,
      author: 'bob',
      state: 'CHANGES_REQUESTED',
      body: 'Please rename',
      comments: [{ path: 'widget.ts', line: 1, body: 'Call it gadget' }],
    })
    const { data: reviews } = await api.pulls.listReviews({ ...repo, pull_number: 1 })
    expect(reviews).toMatchObject([
      { state: 'CHANGES_REQUESTED', user: { login: 'bob' }, body: 'Please rename' },
    ])
    const { data: lineComments } = await api.pulls.listReviewComments({ ...repo, pull_number: 1 })
    expect(lineComments).toMatchObject([{ path: 'widget.ts', line: 1, body: 'Call it gadget' }])

    await api.issues.createComment({ ...repo, issue_number: 1, body: 'Working on it' })
    const first = await api.issues.listComments({ ...repo, issue_number: 1 })
    expect(first.data.map((c) => c.body)).toEqual(['Working on it'])
    await expect(
      api.issues.listComments({ ...repo, issue_number: 1, headers: { 'if-none-match': first.headers.etag } }),
    ).rejects.toMatchObject({ status: 304 })
    const events = await api.issues.listEvents({ ...repo, issue_number: 1 })
    expect(events.data.map((e) => e.event)).toEqual(['labeled', 'review_requested'])

    const { data: files } = await api.pulls.listFiles({ ...repo, pull_number: 1 })
    expect(files).toMatchObject([{ filename: 'widget.ts', status: 'added', additions: 1 }])
    const { data: commits } = await api.pulls.listCommits({ ...repo, pull_number: 1 })
    expect(commits.map((c) => c.sha)).toEqual([pushed])
    expect(commits[0]?.author?.login).toBe('alice')

    await expect(api.pulls.merge({ ...repo, pull_number: 1, sha: 'f'.repeat(40) })).rejects.toMatchObject({
      status: 409,
    })
    const mainBefore = await fake.branchSha('alice/widgets', 'main')
    const { data: merged } = await api.pulls.merge({
      ...repo,
      pull_number: 1,
      sha: pushed,
      merge_method: 'merge',
    })
    expect(merged.merged).toBe(true)
    const mainAfter = await fake.branchSha('alice/widgets', 'main')
    expect(mainAfter).toBe(merged.sha)
    expect(mainAfter).not.toBe(mainBefore)
    await git(clone, ['fetch', '--quiet', 'origin'])
    expect((await git(clone, ['rev-parse', 'origin/main'])).stdout.trim()).toBe(merged.sha)
    expect(await fake.readFile('alice/widgets', 'main', 'widget.ts')).toBe('export const widget = 1\n')
    const { data: after } = await api.pulls.get({ ...repo, pull_number: 1 })
    expect(after).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: merged.sha,
      merged_by: { login: 'alice' },
    })
    await expect(api.pulls.merge({ ...repo, pull_number: 1 })).rejects.toMatchObject({ status: 405 })
    expect((await api.pulls.list({ ...repo, state: 'closed' })).data.map((p) => p.number)).toEqual([1])

    fake.expectNoViolations()
  })

  it('pages long lists with a Link header', async () => {
    const api = octokit(fake.createToken({ login: 'alice' }))
    const repo = { owner: 'alice', repo: 'widgets' }
    for (let i = 0; i < 5; i++)
      await api.issues.createComment({ ...repo, issue_number: 1, body: `comment ${i}` })
    const page = await api.issues.listComments({ ...repo, issue_number: 1, per_page: 2 })
    expect(page.data).toHaveLength(2)
    expect(page.headers.link).toContain('rel="next"')
    const all = await api.paginate(api.issues.listComments, { ...repo, issue_number: 1, per_page: 2 })
    expect(all).toHaveLength(6)
    fake.expectNoViolations()
  })

  it('sets commit statuses with a token (check runs are an App’s), on commits it has', SLOW, async () => {
    const api = octokit(fake.createToken({ login: 'alice' }))
    const repo = { owner: 'alice', repo: 'widgets' }
    const sha = (await fake.branchSha('alice/widgets', 'main')) ?? ''
    const { data: pending } = await api.repos.createCommitStatus({
      ...repo,
      sha,
      state: 'pending',
      context: 'Agent Squad',
      description: 'Opening the pull request',
      target_url: 'http://squad.example/squads/s/tasks/t',
    })
    expect(pending).toMatchObject({ state: 'pending', context: 'Agent Squad', creator: { login: 'alice' } })
    await api.repos.createCommitStatus({ ...repo, sha, state: 'success', context: 'Agent Squad' })
    expect(fake.commitStatuses('alice/widgets').map((s) => [s.sha, s.state])).toEqual([
      [sha, 'pending'],
      [sha, 'success'],
    ])
    await expect(
      api.repos.createCommitStatus({ ...repo, sha: 'f'.repeat(40), state: 'success' }),
    ).rejects.toMatchObject({ status: 422 })
    const reader = octokit(fake.createToken({ login: 'alice', permissions: { contents: 'write' } }))
    await expect(reader.repos.createCommitStatus({ ...repo, sha, state: 'success' })).rejects.toMatchObject({
      status: 403,
    })
    fake.expectNoViolations()
  })
})

describe('fake GitHub: git over HTTP only with tokens it minted', () => {
  it('refuses anonymous, unknown, expired and out-of-reach tokens', async () => {
    const target = join(work, 'refused')
    const clone = (url: string) =>
      git(work, ['clone', '--quiet', url, `${target}-${Math.random()}`], [0, 128])

    expect((await clone(cloneUrl('alice/widgets', null))).exitCode).toBe(128)
    expect((await clone(cloneUrl('alice/widgets', 'ghp_notatokenthisfakeminted000000000000'))).exitCode).toBe(
      128,
    )
    const expired = fake.createToken({ login: 'alice' })
    fake.expireToken(expired)
    expect((await clone(cloneUrl('alice/widgets', expired))).exitCode).toBe(128)
    await fake.createRepo({ fullName: 'alice/other' })
    const narrow = fake.createToken({ login: 'alice', repos: ['alice/other'] })
    expect((await clone(cloneUrl('alice/widgets', narrow))).stderr).toContain('not found')
    expect((await clone(cloneUrl('alice/other', narrow, 'alice'))).exitCode).toBe(0)
    const outsider = fake.createToken({ login: 'carol' })
    expect((await clone(cloneUrl('alice/widgets', outsider))).exitCode).toBe(128)
    const statuses = fake.requests.filter((r) => r.operationId === null).map((r) => r.status)
    expect(statuses).toContain(401)
    expect(statuses).toContain(404)
  })

  it('lets a read collaborator fetch but not push', async () => {
    fake.createUser({ login: 'dave' })
    fake.addCollaborator('alice/widgets', 'dave', 'read')
    const token = fake.createToken({ login: 'dave' })
    const clone = join(work, 'dave-clone')
    await git(work, ['clone', '--quiet', cloneUrl('alice/widgets', token), clone])
    await writeFile(join(clone, 'x.txt'), 'x\n')
    await git(clone, ['add', '.'])
    await git(clone, ['commit', '--quiet', '-m', 'x'])
    const push = await git(clone, ['push', 'origin', 'HEAD:refs/heads/dave'], [0, 128])
    expect(push.exitCode).toBe(128)
    expect(push.stderr).toMatch(/403|denied/)
    expect(await readFile(join(clone, 'README.md'), 'utf8')).toBe('# widgets\n')
  })
})

describe('fake GitHub: the OpenAPI description is enforced', () => {
  it('catches a request GitHub would not accept, and fails loudly', async () => {
    const api = octokit(fake.createToken({ login: 'alice' }))
    const before = fake.violations.length
    // Routes typed as plain strings, so Octokit's types let the mistakes through to the wire.
    const list: string = 'GET /repos/{owner}/{repo}/pulls'
    const create: string = 'POST /repos/{owner}/{repo}/pulls'
    await expect(
      api.request(list, { owner: 'alice', repo: 'widgets', state: 'merged' }),
    ).rejects.toMatchObject({ status: 422 })
    await expect(
      api.request(create, {
        owner: 'alice',
        repo: 'widgets',
        title: 'x',
        head: 'a',
        base: 'main',
        draft: 'yes',
      }),
    ).rejects.toMatchObject({ status: 422 })
    const caught = fake.violations.slice(before)
    expect(caught.map((v) => v.operationId)).toEqual(['pulls/list', 'pulls/create'])
    expect(caught[0]?.problems.join()).toContain('state')
    expect(caught[1]?.problems.join()).toContain('draft')
    expect(() => fake.expectNoViolations()).toThrow(/violation/)
    fake.violations.splice(before)
  })
})
