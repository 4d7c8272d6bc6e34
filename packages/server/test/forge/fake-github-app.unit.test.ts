import { generateKeyPairSync, sign } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAppAuth } from '@octokit/auth-app'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import { Octokit } from '@octokit/rest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runGit } from '../../src/git/run-git.ts'
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github/index.ts'

// The first use of each of GitHub's large schemas compiles it: seconds on a loaded machine.
const SLOW = { timeout: 90_000 }

// The fake GitHub as a GitHub App sees it: JWTs verified with the app's public key, installation
// tokens minted, narrowed, revoked and expired, and the rate-limit and failure knobs driving
// Octokit's own retry and throttling plugins.

const ISOLATED = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bot',
  GIT_AUTHOR_EMAIL: 'bot@example.com',
  GIT_COMMITTER_NAME: 'Bot',
  GIT_COMMITTER_EMAIL: 'bot@example.com',
}
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const repo = { owner: 'acme', repo: 'widgets' }

let fake: FakeGitHub
let work: string
let installationId: number

function appOctokit(extra: { installationId?: number } = {}) {
  return new Octokit({
    baseUrl: fake.apiUrl,
    log: quiet,
    authStrategy: createAppAuth,
    auth: { appId: fake.app.id, privateKey: fake.app.privateKeyPem, ...extra },
  })
}

function jwt(claims: Record<string, unknown>, privateKey: string) {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const body = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`
  return `${body}.${sign('RSA-SHA256', Buffer.from(body), privateKey).toString('base64url')}`
}

async function canPush(token: string) {
  const clone = await mkdtemp(join(work, 'clone-'))
  const url = new URL(`${fake.url}/acme/widgets.git`)
  Object.assign(url, { username: 'x-access-token', password: token })
  const cloned = await runGit(['clone', '--quiet', url.toString(), clone], {
    env: ISOLATED,
    okExitCodes: [0, 128],
  })
  if (cloned.exitCode !== 0) return 'no-clone'
  await writeFile(join(clone, `f-${Date.now()}.txt`), 'x\n')
  await runGit(['add', '.'], { cwd: clone, env: ISOLATED })
  await runGit(['commit', '--quiet', '-m', 'x'], { cwd: clone, env: ISOLATED })
  const pushed = await runGit(['push', 'origin', `HEAD:refs/heads/bot-${Date.now()}`], {
    cwd: clone,
    env: ISOLATED,
    okExitCodes: [0, 128],
  })
  return pushed.exitCode === 0 ? 'pushed' : 'refused'
}

beforeAll(async () => {
  fake = await startFakeGitHub()
  work = await mkdtemp(join(tmpdir(), 'fake-github-app-'))
  await fake.createRepo({ fullName: 'acme/widgets' })
  await fake.createRepo({ fullName: 'acme/gadgets' })
  await fake.commit({
    repo: 'acme/widgets',
    branch: 'feature',
    from: 'main',
    files: { 'a.txt': 'a\n' },
    message: 'feat: a',
  })
  installationId = fake.installApp({ account: 'acme', repos: ['acme/widgets', 'acme/gadgets'] }).id
})

afterAll(async () => {
  await fake?.close()
  if (work) await rm(work, { recursive: true, force: true })
})

describe('fake GitHub: a GitHub App', () => {
  it('finds its installation with a JWT and works with an installation token', SLOW, async () => {
    const app = appOctokit()
    expect((await app.apps.getAuthenticated()).data?.slug).toBe(fake.app.slug)
    const { data: installation } = await app.apps.getRepoInstallation(repo)
    expect(installation.id).toBe(installationId)

    const bot = appOctokit({ installationId })
    const { data: pull } = await bot.pulls.create({ ...repo, title: 'Bot PR', head: 'feature', base: 'main' })
    expect(pull.user?.login).toBe(`${fake.app.slug}[bot]`)
    await bot.issues.addLabels({ ...repo, issue_number: pull.number, labels: ['squad'] })
    const { data: run } = await bot.checks.create({
      ...repo,
      name: 'agent-squad',
      head_sha: pull.head.sha,
      status: 'in_progress',
    })
    await bot.checks.update({
      ...repo,
      check_run_id: run.id,
      conclusion: 'success',
      output: { title: 'Done', summary: 'ok' },
    })
    const { data: done } = await bot.checks.get({ ...repo, check_run_id: run.id })
    expect(done).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      pull_requests: [{ number: pull.number }],
    })
    expect(fake.checkRuns('acme/widgets')).toHaveLength(1)

    const { token } = (await app.auth({ type: 'installation', installationId })) as { token: string }
    expect(await canPush(token)).toBe('pushed')
    // Git asks without credentials first and sends them after the 401 challenge; the API never does.
    const kinds = new Set(fake.requests.filter((r) => r.operationId !== null).map((r) => r.tokenKind))
    expect(kinds).toEqual(new Set(['app', 'installation']))
    fake.expectNoViolations()
  })

  it('narrows installation tokens to repositories and permissions, and refuses more', async () => {
    const app = appOctokit()
    const { data: narrow } = await app.apps.createInstallationAccessToken({
      installation_id: installationId,
      repositories: ['gadgets'],
      permissions: { contents: 'read', pull_requests: 'read' },
    })
    expect(narrow.repositories?.map((r) => r.full_name)).toEqual(['acme/gadgets'])
    const scoped = new Octokit({ baseUrl: fake.apiUrl, auth: narrow.token, log: quiet })
    await expect(scoped.repos.get(repo)).rejects.toMatchObject({ status: 404 })
    await expect(
      scoped.pulls.create({ owner: 'acme', repo: 'gadgets', title: 't', head: 'x', base: 'main' }),
    ).rejects.toMatchObject({
      status: 403,
      response: { data: { message: 'Resource not accessible by integration' } },
    })
    const { data: readOnly } = await app.apps.createInstallationAccessToken({
      installation_id: installationId,
      permissions: { contents: 'read' },
    })
    expect(await canPush(readOnly.token)).toBe('refused')

    const limited = fake.installApp({ account: 'other', repos: 'all', permissions: { contents: 'read' } })
    await expect(
      app.apps.createInstallationAccessToken({
        installation_id: limited.id,
        permissions: { contents: 'write' },
      }),
    ).rejects.toMatchObject({ status: 422 })
    fake.expectNoViolations()
  })

  it('revokes and expires tokens, and rejects JWTs GitHub would reject', async () => {
    const bot = appOctokit({ installationId })
    const { token } = (await bot.auth({ type: 'installation' })) as { token: string }
    const direct = new Octokit({ baseUrl: fake.apiUrl, auth: token, log: quiet })
    await direct.apps.revokeInstallationAccessToken()
    await expect(direct.repos.get(repo)).rejects.toMatchObject({ status: 401 })
    expect(await canPush(token)).toBe('no-clone')

    fake.setInstallationTokenTtl(1)
    const { data: short } = await appOctokit().apps.createInstallationAccessToken({
      installation_id: installationId,
    })
    fake.setInstallationTokenTtl(3600)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    await expect(
      new Octokit({ baseUrl: fake.apiUrl, auth: short.token, log: quiet }).repos.get(repo),
    ).rejects.toMatchObject({ status: 401 })

    const now = Math.floor(Date.now() / 1000)
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString()
    const forged = jwt({ iat: now - 30, exp: now + 500, iss: fake.app.id }, stranger)
    const tooLong = jwt({ iat: now - 30, exp: now + 3600, iss: fake.app.id }, fake.app.privateKeyPem)
    for (const bad of [forged, tooLong]) {
      const client = new Octokit({ baseUrl: fake.apiUrl, auth: bad, log: quiet })
      await expect(client.apps.getAuthenticated()).rejects.toMatchObject({ status: 401 })
    }
    const ok = jwt({ iat: now - 30, exp: now + 500, iss: fake.app.clientId }, fake.app.privateKeyPem)
    expect(
      (await new Octokit({ baseUrl: fake.apiUrl, auth: ok, log: quiet }).apps.getAuthenticated()).status,
    ).toBe(200)
    fake.expectNoViolations()
  })
})

describe('fake GitHub: rate limits and failures', () => {
  it('answers primary and secondary limits the way Octokit throttling expects', SLOW, async () => {
    const token = fake.installationToken(installationId)
    const plain = new Octokit({ baseUrl: fake.apiUrl, auth: token, log: quiet })
    fake.rateLimitNext({ kind: 'primary', resetInSeconds: 30 })
    const limited = await plain.repos
      .get(repo)
      .catch((error: { status: number; response: { headers: Record<string, string> } }) => error)
    expect(limited).toMatchObject({ status: 403, response: { headers: { 'x-ratelimit-remaining': '0' } } })

    const seen: string[] = []
    const Throttled = Octokit.plugin(retry, throttling)
    const api = new Throttled({
      baseUrl: fake.apiUrl,
      auth: token,
      log: quiet,
      throttle: {
        onRateLimit: () => Boolean(seen.push('primary')),
        onSecondaryRateLimit: () => Boolean(seen.push('secondary')),
      },
    })
    fake.rateLimitNext({ kind: 'primary', resetInSeconds: 1 })
    expect((await api.repos.get(repo)).status).toBe(200)
    fake.rateLimitNext({ kind: 'secondary', retryAfterSeconds: 1 })
    expect((await api.pulls.list(repo)).status).toBe(200)
    expect(seen).toEqual(['primary', 'secondary'])
    fake.rateLimitNext({ kind: 'secondary', retryAfterSeconds: 7, status: 429 })
    await expect(plain.pulls.list(repo)).rejects.toMatchObject({
      status: 429,
      message: expect.stringContaining('secondary rate limit'),
      response: { headers: { 'retry-after': '7' } },
    })

    fake.failNext('pulls/list', 502)
    expect((await api.pulls.list(repo)).status).toBe(200)
    fake.failNext('pulls/list', 500, { message: 'Server Error' })
    await expect(plain.pulls.list(repo)).rejects.toMatchObject({ status: 500 })
    const { data: limits } = await plain.rateLimit.get()
    expect(limits.rate.limit).toBe(5000)
    fake.expectNoViolations()
  })
})
