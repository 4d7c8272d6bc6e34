import { Octokit } from '@octokit/core'
import { describe, it } from 'vitest'
import { repositories, squads, users } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import type { RepoRef } from '../../src/forge/forge.ts'
import { createGitHubForge } from '../../src/forge/github/github-forge.ts'
import { createPullRequestMirror } from '../../src/pull-requests/mirror-forge-pull-request.ts'
import { createTestDatabase, skipReason as dbSkip } from '../helpers/test-db.ts'
import { runForgeContract } from './forge.case.ts'

// The Forge contract against github.com itself, when GITHUB_TOKEN and SQUAD_TEST_GITHUB_REPO are set.
// The contract wants a new, empty repository per case, so SQUAD_TEST_GITHUB_REPO names an owner and a
// prefix (`owner/prefix`): each case creates the private repository `owner/prefix-<case>-<random>`
// and the suite deletes them at the end. The token needs to create repositories (classic: `repo`;
// fine-grained: administration write) and, to clean up, `delete_repo` (else they are listed).
const token = process.env.GITHUB_TOKEN
const target = process.env.SQUAD_TEST_GITHUB_REPO
const liveSkip = !token
  ? 'GITHUB_TOKEN is not set'
  : !target
    ? 'SQUAD_TEST_GITHUB_REPO (owner/name of a scratch repository) is not set'
    : dbSkip

if (liveSkip) describe('Forge contract: github (live)', () => it.skip(`skipped: ${liveSkip}`, () => {}))
else
  runForgeContract('github (live)', {
    async setup() {
      const test = await createTestDatabase()
      const db = test.database.db
      const userId = newId()
      const squadId = newId()
      await db.insert(users).values({ id: userId, name: 'live' })
      await db.insert(squads).values({ id: squadId, userId, name: 'live' })
      const forge = createGitHubForge({
        secrets: async (_squad, name) => (name === 'GITHUB_TOKEN' ? (token ?? null) : null),
        publicUrl: () => 'https://squad.example',
        pullRequests: createPullRequestMirror({ db, baseUrl: () => 'https://squad.example' }),
      })
      const api = new Octokit({ auth: token })
      const [owner = '', prefix = 'squad-contract'] = (target ?? '').split('/')
      const { data: me } = await api.request('GET /user')
      const created: string[] = []
      return {
        forge,
        async newRepo(name): Promise<RepoRef> {
          const repoName = `${prefix}-${name}-${Math.random().toString(36).slice(2, 8)}`
          const body = { name: repoName, private: true, auto_init: false }
          if (owner.toLowerCase() === me.login.toLowerCase()) await api.request('POST /user/repos', body)
          else await api.request('POST /orgs/{org}/repos', { org: owner, ...body })
          const fullName = `${owner}/${repoName}`
          created.push(fullName)
          const id = newId()
          const auth = { kind: 'token' as const, secret: 'GITHUB_TOKEN' }
          const github = { repo: fullName, auth, base_url: null }
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
            github: { repo: fullName, auth, baseUrl: null },
          }
        },
        async stop() {
          const left: string[] = []
          for (const fullName of created) {
            const [o = '', r = ''] = fullName.split('/')
            await api
              .request('DELETE /repos/{owner}/{repo}', { owner: o, repo: r })
              .catch(() => left.push(fullName))
          }
          if (left.length)
            console.warn(`[github-live] could not delete (no delete_repo scope?): ${left.join(', ')}`)
          await test.drop()
        },
      }
    },
  })
