import type { GitHubAuth } from '@agent-squad/contract'
import { repositories, squads, users } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import type { Forge, RepoRef } from '../../src/forge/forge.ts'
import { createGitHubForge, type GitHubForgeOpts } from '../../src/forge/github/github-forge.ts'
import { runGit } from '../../src/git/run-git.ts'
import { createPullRequestMirror } from '../../src/pull-requests/mirror-forge-pull-request.ts'
import { type FakeGitHub, startFakeGitHub } from '../helpers/fake-github/index.ts'
import { createTestDatabase, type TestDatabase } from '../helpers/test-db.ts'

export const PUBLIC_URL = 'https://squad.example'
export const OWNER = 'octo'

/** One API request the adapter made, as the counting fetch saw it. */
export type SeenRequest = { method: string; path: string; status: number }

export type GitHubFixture = {
  fake: FakeGitHub
  forge: Forge
  test: TestDatabase
  squadId: string
  secrets: Map<string, string>
  /** Every request the adapter sent to the API, in order (git is not counted). */
  seen: SeenRequest[]
  /** Waits the adapter asked for (rate limits, backoff): recorded, never slept. */
  waits: number[]
  auth: GitHubAuth
  /** A repository on the fake and its row here; `empty` removes the fake's initial commit. */
  newRepo(name: string, options?: { empty?: boolean; files?: Record<string, string> }): Promise<RepoRef>
  /** Another forge on the same fake, database and secrets (e.g. with a different clock). */
  forgeWith(opts: Partial<GitHubForgeOpts>): Forge
  stop(): Promise<void>
}

/**
 * The GitHub adapter against the fake GitHub (a GitHub Enterprise layout on 127.0.0.1), with a
 * squad in a fresh test database for the pull request mirror, its secrets in a Map and a fetch
 * that records every API request.
 */
export async function startGitHubFixture(kind: 'token' | 'app'): Promise<GitHubFixture> {
  const fake = await startFakeGitHub()
  const test = await createTestDatabase()
  const db = test.database.db
  const userId = newId()
  const squadId = newId()
  await db.insert(users).values({ id: userId, name: 'tester' })
  await db.insert(squads).values({ id: squadId, userId, name: 'github' })
  fake.createUser({ login: OWNER, type: 'Organization' })
  fake.createUser({ login: 'squad-bot' })
  const secrets = new Map<string, string>()
  let auth: GitHubAuth
  if (kind === 'token') {
    secrets.set('GH_TOKEN', fake.createToken({ login: 'squad-bot' }))
    auth = { kind: 'token', secret: 'GH_TOKEN' }
  } else {
    fake.installApp({ account: OWNER, repos: 'all' })
    secrets.set('GH_APP_KEY', fake.app.privateKeyPem)
    auth = { kind: 'app', app_id: fake.app.id, private_key_secret: 'GH_APP_KEY' }
  }
  const seen: SeenRequest[] = []
  const waits: number[] = []
  const countingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init)
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    seen.push({
      method: init?.method ?? 'GET',
      path: url.pathname.replace(/^\/api\/v3/, ''),
      status: response.status,
    })
    return response
  }
  const base: GitHubForgeOpts = {
    secrets: async (squad, name) => (squad === squadId ? (secrets.get(name) ?? null) : null),
    publicUrl: () => PUBLIC_URL,
    pullRequests: createPullRequestMirror({ db, baseUrl: () => PUBLIC_URL }),
    fetch: countingFetch,
    timeoutMs: 10_000,
    retry: {
      backoffMs: 1,
      sleep: async (ms) => {
        waits.push(ms)
      },
    },
  }
  const forgeWith = (opts: Partial<GitHubForgeOpts>) => createGitHubForge({ ...base, ...opts })
  return {
    fake,
    forge: forgeWith({}),
    test,
    squadId,
    secrets,
    seen,
    waits,
    auth,
    forgeWith,
    async newRepo(name, options = {}) {
      const repo = await fake.createRepo({
        fullName: `${OWNER}/${name}`,
        ...(options.files ? { files: options.files } : {}),
      })
      if (kind === 'token') fake.addCollaborator(repo.fullName, 'squad-bot', 'write')
      // The fake starts every repository with a commit; the contract wants an empty one to push to.
      if (options.empty)
        await runGit(['update-ref', '-d', `refs/heads/${repo.defaultBranch}`], { cwd: repo.dir })
      const id = newId()
      const github = { repo: repo.fullName, auth, base_url: fake.url }
      await db
        .insert(repositories)
        .values({ id, squadId, name, kind: 'github', defaultBranch: 'main', github })
      return {
        id,
        squadId,
        name,
        kind: 'github',
        url: null,
        defaultBranch: 'main',
        credentialSecret: null,
        github: { repo: repo.fullName, auth, baseUrl: fake.url },
      }
    },
    async stop() {
      await fake.close()
      await test.drop()
    },
  }
}

/** The forge's credentials for one git command, which GitHub always gives as an HTTP header. */
export async function httpCredentials(forge: Forge, repo: RepoRef, purpose: { executionId?: string }) {
  const credentials = await forge.credentials(repo, purpose)
  if (credentials && !('httpHeader' in credentials)) throw new Error('GitHub credentials are an HTTP header')
  return credentials
}
