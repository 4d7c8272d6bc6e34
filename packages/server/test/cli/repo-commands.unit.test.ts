import type { Repository } from '@agent-squad/contract'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../../src/cli/client/api-client.ts'
import {
  describeRepository,
  inFlagTerms,
  type RepoAddFlags,
  repositoryBodyOf,
} from '../../src/cli/repo-commands.ts'

const flags = (over: Partial<RepoAddFlags>): RepoAddFlags => ({ squad: 'S', ...over })

describe('squad repo add: the body the flags ask for', () => {
  it('a GitHub repository with a token, an App, or on GitHub Enterprise', () => {
    expect(repositoryBodyOf('web', flags({ github: 'acme/web', tokenSecret: 'GITHUB_TOKEN' }))).toEqual({
      name: 'web',
      github: { repo: 'acme/web', auth: { kind: 'token', secret: 'GITHUB_TOKEN' } },
    })
    expect(
      repositoryBodyOf(
        'api',
        flags({
          github: 'platform/api',
          appId: '123456',
          privateKeySecret: 'APP_KEY',
          githubUrl: 'https://ghe.example.com',
          defaultBranch: 'develop',
        }),
      ),
    ).toEqual({
      name: 'api',
      default_branch: 'develop',
      github: {
        repo: 'platform/api',
        auth: { kind: 'app', app_id: 123456, private_key_secret: 'APP_KEY' },
        base_url: 'https://ghe.example.com',
      },
    })
  })

  it('a git URL with its credential, or the local forge by name alone', () => {
    expect(
      repositoryBodyOf(
        'infra',
        flags({ gitUrl: 'git@git.example.com:ops/infra.git', credentialSecret: 'KEY' }),
      ),
    ).toEqual({ name: 'infra', url: 'git@git.example.com:ops/infra.git', credential_secret: 'KEY' })
    expect(repositoryBodyOf('scratch', flags({}))).toEqual({ name: 'scratch' })
  })

  it.each([
    [{ github: 'a/b' }, /needs a credential: --token-secret NAME, or --app-id N with --private-key-secret/],
    [
      { github: 'a/b', tokenSecret: 'T', appId: '1', privateKeySecret: 'K' },
      /either --token-secret or --app-id/,
    ],
    [{ github: 'a/b', appId: 'twelve', privateKeySecret: 'K' }, /--app-id must be the App's numeric id/],
    [{ github: 'a/b', appId: '12' }, /--private-key-secret must name the secret/],
    [
      { github: 'a/b', gitUrl: 'https://x/y.git', tokenSecret: 'T' },
      /either --github owner\/name or --git-url/,
    ],
    [{ tokenSecret: 'T' }, /--token-secret goes with --github/],
    [{ githubUrl: 'https://ghe.example.com' }, /--github-url goes with --github/],
    [{ credentialSecret: 'C' }, /--credential-secret goes with --git-url/],
    [{ github: 'a/b', tokenSecret: 'T', credentialSecret: 'C' }, /GitHub repository takes --token-secret/],
  ] as const)('refuses %j before sending anything', (given, message) => {
    expect(() => repositoryBodyOf('x', flags(given))).toThrow(message)
  })
})

describe('squad repo: what it prints', () => {
  it("names the flag behind each of the server's 422 issues", () => {
    const error = new ApiError(422, 'validation_failed', 'Invalid request body: github.repo: bad', {
      issues: [
        { path: 'github.repo', message: 'must be "owner/name"', code: 'custom' },
        { path: 'github.auth.secret', message: 'no secret GITHUB_TOKEN in this squad', code: 'custom' },
        { path: 'somewhere.else', message: 'odd', code: 'custom' },
      ],
    })
    expect((inFlagTerms(error) as Error).message).toBe(
      [
        'The server refused the repository:',
        '  --github: must be "owner/name"',
        '  --token-secret: no secret GITHUB_TOKEN in this squad',
        '  somewhere.else: odd',
      ].join('\n'),
    )
    // A failed check (no issues) keeps the server's own words.
    const refused = new ApiError(422, 'validation_failed', 'auth refused by GitHub (401)')
    expect(inFlagTerms(refused)).toBe(refused)
  })

  it("shows a GitHub repository's page, credential and last check", () => {
    const repo: Repository = {
      id: '00000000-0000-7000-8000-000000000001',
      squad_id: '00000000-0000-7000-8000-000000000002',
      name: 'web',
      kind: 'github',
      url: 'https://github.com/acme/web.git',
      clone_url: 'https://github.com/acme/web.git',
      default_branch: 'main',
      credential_secret: null,
      github: {
        repo: 'acme/web',
        auth: { kind: 'token', secret: 'GITHUB_TOKEN' },
        base_url: null,
        html_url: 'https://github.com/acme/web',
      },
      check: {
        reachable: true,
        default_branch: 'main',
        head: '0123456789abcdef0123456789abcdef01234567',
        permissions: ['contents:write', 'pull_requests:write'],
        checked_at: '2026-01-01T00:00:00.000Z',
      },
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    }
    const text = describeRepository(repo)
    expect(text).toContain('where           github acme/web')
    expect(text).toContain('page            https://github.com/acme/web')
    expect(text).toContain('auth            token in secret GITHUB_TOKEN')
    expect(text).toContain('check           reachable, main at 01234567 (2026-01-01T00:00:00.000Z)')
    expect(text).toContain('permissions     contents:write, pull_requests:write')
  })
})
