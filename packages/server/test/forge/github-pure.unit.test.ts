import { describe, expect, it } from 'vitest'
import {
  ownersOf,
  parseCodeOwners,
  patternToRegExp,
  reviewersFor,
} from '../../src/forge/github/codeowners.ts'
import { narrowPermissions } from '../../src/forge/github/github-auth.ts'
import { createGitHubClient } from '../../src/forge/github/github-client.ts'
import { missingAccessOf, rateLimitOf, toAppError } from '../../src/forge/github/github-errors.ts'
import { gitAuthHeader } from '../../src/forge/github/github-forge.ts'
import { parseCursor } from '../../src/forge/github/github-poll.ts'
import {
  composeBody,
  firstExisting,
  TEMPLATE_MARKER,
  TEMPLATE_PATHS,
} from '../../src/forge/github/pull-request-body.ts'

describe('CODEOWNERS', () => {
  const matches = (pattern: string, path: string) => patternToRegExp(pattern).test(path)

  it('reads patterns the way GitHub documents them', () => {
    expect(matches('*', 'a/b/c.ts')).toBe(true)
    expect(matches('*.js', 'src/deep/x.js')).toBe(true)
    expect(matches('*.js', 'src/x.ts')).toBe(false)
    expect(matches('/build/logs/', 'build/logs/a.log')).toBe(true)
    expect(matches('/build/logs/', 'x/build/logs/a.log')).toBe(false)
    expect(matches('apps/', 'deep/apps/a.ts')).toBe(true)
    expect(matches('docs/*', 'docs/getting-started.md')).toBe(true)
    expect(matches('docs/*', 'docs/build-app/troubleshooting.md')).toBe(false)
    expect(matches('/docs/', 'docs/a/b.md')).toBe(true)
    expect(matches('**/logs', 'a/b/logs/x')).toBe(true)
    expect(matches('/scripts/**/run.sh', 'scripts/run.sh')).toBe(true)
    expect(matches('/scripts/**/run.sh', 'scripts/a/b/run.sh')).toBe(true)
    expect(matches('src', 'lib/src/a.ts')).toBe(true)
    expect(matches('/src', 'lib/src/a.ts')).toBe(false)
    expect(matches('a?c.md', 'abc.md')).toBe(true)
    expect(matches('a.md', 'aXmd')).toBe(false)
  })

  it('lets the last matching rule win, and a rule without owners unown a path', () => {
    const rules = parseCodeOwners(
      '# owners\n*       @global\n\n*.md    @docs-team @org/writers  # inline comment\n/vendor/\n!negated @x\n',
    )
    expect(ownersOf(rules, 'src/a.ts')).toEqual(['@global'])
    expect(ownersOf(rules, 'README.md')).toEqual(['@docs-team', '@org/writers'])
    expect(ownersOf(rules, 'vendor/lib.js')).toEqual([])
  })

  it('asks the draft reviewers and the owners once each, teams apart, never the author or an e-mail', () => {
    const rules = parseCodeOwners('*.ts @Alice @org/core dev@example.com\n*.md @bob\n')
    expect(
      reviewersFor({
        requested: ['alice', '@carol', 'squad-bot'],
        rules,
        files: ['a.ts', 'b.ts', 'c.md'],
        author: 'Squad-Bot',
      }),
    ).toEqual({ reviewers: ['alice', 'carol', 'bob'], teamReviewers: ['core'] })
  })
})

describe('pull request body', () => {
  it('takes the first template in the documented order, whatever order the files come in', () => {
    expect(firstExisting(TEMPLATE_PATHS, ['PULL_REQUEST_TEMPLATE.md', 'docs/pull_request_template.md'])).toBe(
      'docs/pull_request_template.md',
    )
    expect(
      firstExisting(TEMPLATE_PATHS, ['.github/PULL_REQUEST_TEMPLATE.md', 'pull_request_template.md']),
    ).toBe('.github/PULL_REQUEST_TEMPLATE.md')
    expect(firstExisting(TEMPLATE_PATHS, ['README.md'])).toBeNull()
  })

  it('makes the task link absolute and puts the template after the description', () => {
    const body = composeBody({
      body: 'Closes task #3: [Fix](/squads/s1/tasks/t1)\n\n## Summary\n\nFixed.',
      publicUrl: 'https://squad.example/',
      squadId: 's1',
      taskId: 't1',
      template: { path: '.github/pull_request_template.md', text: '## Checklist\n- [ ] Tests\n' },
    })
    expect(body).toBe(
      `Closes task #3: [Fix](https://squad.example/squads/s1/tasks/t1)\n\n## Summary\n\nFixed.\n\n---\n\n${TEMPLATE_MARKER}\n\n## Checklist\n- [ ] Tests\n`,
    )
  })

  it('adds the Work page link when the body has none, and leaves other links alone', () => {
    const body = composeBody({
      body: 'See [docs](https://example.com/x) and [rel](//cdn/x).',
      publicUrl: 'https://squad.example',
      squadId: 's1',
      taskId: 't1',
      template: null,
    })
    expect(body).toBe(
      'Agent Squad task: [its Work page](https://squad.example/squads/s1/tasks/t1)\n\nSee [docs](https://example.com/x) and [rel](//cdn/x).',
    )
  })
})

describe('GitHub errors', () => {
  const failure = (status: number, headers: Record<string, string> = {}, message = 'Nope') => ({
    status,
    method: 'POST',
    path: '/repos/o/r/pulls',
    message,
    headers,
  })

  it('reads primary and secondary rate limits', () => {
    const now = 1_000_000
    expect(
      rateLimitOf(failure(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1010' }), now),
    ).toEqual({
      kind: 'primary',
      waitMs: 11_000,
    })
    expect(rateLimitOf(failure(429, { 'retry-after': '7' }), now)).toEqual({
      kind: 'secondary',
      waitMs: 7000,
    })
    expect(rateLimitOf(failure(403, {}, 'You have exceeded a secondary rate limit'), now)?.kind).toBe(
      'secondary',
    )
    expect(rateLimitOf(failure(403), now)).toBeNull()
  })

  it('names the permission or scope GitHub says is missing', () => {
    expect(
      missingAccessOf(
        failure(403, { 'x-accepted-github-permissions': 'pull_requests=write; contents=write' }),
      ),
    ).toContain('pull_requests=write or contents=write')
    expect(
      missingAccessOf(failure(404, { 'x-accepted-oauth-scopes': 'repo', 'x-oauth-scopes': 'read:user' })),
    ).toBe('the scope repo (the classic token has "read:user")')
    const error = toAppError(failure(403), 'the token in secret T')
    expect(error).toMatchObject({ code: 'forbidden', retryable: false })
    expect(error.message).toContain('pull_requests=write')
  })

  it('says a 401 is the credential, a 5xx is retryable', () => {
    expect(toAppError(failure(401, {}, 'Bad credentials'), 'GitHub App 7')).toMatchObject({
      code: 'forbidden',
      retryable: false,
      message: expect.stringContaining('GitHub refused GitHub App 7 (Bad credentials)'),
    })
    expect(toAppError(failure(503), 's')).toMatchObject({ code: 'unavailable', retryable: true })
  })
})

describe('GitHub client', () => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    })

  it('keeps the token out of errors, and times out a request that hangs', async () => {
    const seen: string[] = []
    const api = createGitHubClient({
      baseUrl: null,
      token: 'ghp_supersecretvalue123',
      subject: 'the token in secret T',
      fetch: async (_url, init) => {
        seen.push(new Headers(init?.headers).get('authorization') ?? '')
        return json(401, { message: 'Bad credentials' })
      },
    })
    const error = await api.request('GET /user').catch((e: unknown) => e)
    expect(seen).toEqual(['token ghp_supersecretvalue123'])
    expect(JSON.stringify(error)).not.toContain('supersecret')
    expect(String((error as Error).message)).not.toContain('supersecret')

    const slow = createGitHubClient({
      baseUrl: 'https://ghe.example',
      token: 't',
      subject: 's',
      timeoutMs: 50,
      retry: { attempts: 2, sleep: async () => {} },
      fetch: (_url, init) =>
        new Promise((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
        ),
    })
    await expect(slow.request('GET /user')).rejects.toMatchObject({
      code: 'unavailable',
      retryable: true,
      message: expect.stringContaining('did not answer GET /user in time'),
    })
  })

  it('uses the injected waits for a rate limit and succeeds afterwards, telling /metrics of each attempt', async () => {
    const waits: number[] = []
    const observed: string[] = []
    let calls = 0
    const api = createGitHubClient({
      baseUrl: null,
      token: 't',
      subject: 's',
      now: () => 0,
      onCall: ({ vendor, outcome, seconds }) => observed.push(`${vendor} ${outcome} ${seconds >= 0}`),
      retry: { sleep: async (ms) => void waits.push(ms) },
      fetch: async () =>
        ++calls === 1
          ? json(
              403,
              { message: 'API rate limit exceeded' },
              { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '5' },
            )
          : json(200, { login: 'me' }),
    })
    expect((await api.request('GET /user')).data).toMatchObject({ login: 'me' })
    expect(waits).toEqual([6000])
    expect(observed).toEqual(['github rate_limited true', 'github ok true'])
  })
})

describe('small rules', () => {
  it('sends git the token as x-access-token Basic auth', () => {
    expect(gitAuthHeader('abc')).toBe(
      `Authorization: Basic ${Buffer.from('x-access-token:abc').toString('base64')}`,
    )
  })

  it('asks an installation token for no more than the installation has', () => {
    expect(
      narrowPermissions({ contents: 'write', pull_requests: 'read', metadata: 'read', actions: 'write' }),
    ).toEqual({
      contents: 'write',
      pull_requests: 'read',
      metadata: 'read',
    })
  })

  it('starts polling from now without a cursor, and from the cursor with one', () => {
    const fresh = parseCursor(null, '2026-01-01T00:00:00Z')
    expect(fresh.pulls).toEqual({ since: '2026-01-01T00:00:00Z', etag: null })
    expect(
      parseCursor(JSON.stringify({ ...fresh, issues: { since: 'x', etag: 'W/"1"' } }), 'now').issues.etag,
    ).toBe('W/"1"')
    expect(parseCursor('garbage', 'now').pulls.since).toBe('now')
  })
})
