import { describe, expect, it } from 'vitest'
import { CREDENTIAL_REFRESH_MS, withRunCredentials } from '../../src/executions/pipeline/load-context.ts'
import type { Forge, GitCredentials, RepoRef } from '../../src/forge/forge.ts'
import { Redactor } from '../../src/secrets/redactor.ts'

const repo: RepoRef = {
  id: 'r',
  squadId: 's',
  name: 'app',
  kind: 'github',
  url: null,
  defaultBranch: 'main',
  credentialSecret: null,
  github: { repo: 'octo/app', auth: { kind: 'token', secret: 'GH_TOKEN' }, baseUrl: null },
}

/** A forge that mints a new token, valid for `ttlMs`, at each call. */
function mintingForge(ttlMs: number, clock: { now: number }) {
  let minted = 0
  const forge = {
    name: 'minting',
    capabilities: { pullRequests: true, merge: false, checks: false },
    cloneUrl: () => 'https://git.example.com/octo/app.git',
    ensureRepository: async () => {},
    findOpenPullRequest: async () => null,
    createPullRequest: async () => {
      throw new Error('not used')
    },
    credentials: async (_repo: RepoRef, _purpose: { executionId?: string }): Promise<GitCredentials> => {
      minted++
      return {
        httpHeader: `Authorization: Bearer ghs_token_number_${minted}`,
        expiresAt: new Date(clock.now + ttlMs),
      }
    },
  } satisfies Forge
  return { forge, minted: () => minted }
}

describe('a run’s credentials', () => {
  it('are asked for once while they are fresh, and again when they near their expiry', async () => {
    const clock = { now: 1_000_000 }
    const { forge, minted } = mintingForge(60 * 60_000, clock)
    const redactor = new Redactor()
    const run = withRunCredentials(forge, redactor, () => clock.now)
    const [a, b] = await Promise.all([run.credentials(repo, {}), run.credentials(repo, {})])
    expect(a).toBe(b)
    clock.now += 60 * 60_000 - CREDENTIAL_REFRESH_MS - 1000
    expect(await run.credentials(repo, {})).toBe(a)
    expect(minted()).toBe(1)
    clock.now += 2000 // now within the refresh window of the first token
    const c = await run.credentials(repo, {})
    expect(minted()).toBe(2)
    expect(c && 'httpHeader' in c ? c.httpHeader : '').toContain('ghs_token_number_2')
    // Both tokens are hidden from whatever the run prints, the replaced one too.
    expect(redactor.redact('ghs_token_number_1 and ghs_token_number_2')).not.toMatch(/ghs_token_number_\d/)
  })

  it('asks again after a failure instead of keeping it', async () => {
    let calls = 0
    const { forge } = mintingForge(60_000, { now: 0 })
    const flaky: Forge = {
      ...forge,
      credentials: async (r, p) => {
        calls++
        if (calls === 1) throw new Error('GitHub answered 502')
        return forge.credentials(r, p)
      },
    }
    const run = withRunCredentials(flaky, new Redactor(), () => 0)
    await expect(run.credentials(repo, {})).rejects.toThrow(/502/)
    expect(await run.credentials(repo, {})).not.toBeNull()
    expect(calls).toBe(2)
  })
})

describe('secretsOf', () => {
  it('finds the token inside a Basic header (user:token in base64), not only the header', async () => {
    const { secretsOf } = await import('../../src/git/credentials.ts')
    const header = `Authorization: Basic ${Buffer.from('x-access-token:ghs_abcdefghijklmnop').toString('base64')}`
    expect(secretsOf({ httpHeader: header })).toContain('ghs_abcdefghijklmnop')
  })
})
