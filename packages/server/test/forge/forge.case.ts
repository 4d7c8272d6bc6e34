import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Forge, PullRequestDraft, RepoRef } from '../../src/forge/forge.ts'
import { commitFiles, git, gitOk, headerEnv, newWorkTree, removeTempDirs } from './git-fixture.ts'

/** What an adapter's test gives the shared suite: a forge and a fresh repository on it. */
export type ForgeFixture = {
  forge: Forge
  /** A new, empty repository for one case (created on the forge by the case itself). */
  newRepo(name: string): Promise<RepoRef>
  stop(): Promise<void>
}

/** Cases an adapter cannot run, each with the reason (printed in the skipped test's name). */
export type ForgeSkips = Partial<Record<'concurrency', string>>

/**
 * The contract every Forge adapter must keep (forge/forge.ts). Each adapter's test file calls this
 * with its own fixture; live vendors run it when their credentials are present.
 */
export function runForgeContract(
  name: string,
  options: {
    setup: () => Promise<ForgeFixture>
    skip?: ForgeSkips
    /** Per case: a vendor's fake that checks every request against its API description is slower. */
    timeoutMs?: number
  },
) {
  describe(`Forge contract: ${name}`, { timeout: options.timeoutMs ?? 30_000 }, () => {
    let fixture: ForgeFixture
    beforeAll(async () => {
      fixture = await options.setup()
    })
    afterAll(async () => {
      await fixture?.stop()
      await removeTempDirs()
    })

    /** Pushes `main` and then `branches` (each one commit ahead of main) with the forge's credentials. */
    async function pushBranches(repo: RepoRef, branches: string[]) {
      const { forge } = fixture
      const credentials = await forge.credentials(repo, {})
      const env = credentials && 'httpHeader' in credentials ? headerEnv(credentials.httpHeader) : {}
      const work = await newWorkTree(repo.defaultBranch)
      await commitFiles(work, { 'README.md': '# contract\n' }, 'docs: readme')
      await gitOk(work, ['push', '-q', forge.cloneUrl(repo), `HEAD:refs/heads/${repo.defaultBranch}`], env)
      for (const branch of branches) {
        await gitOk(work, ['checkout', '-q', '-b', branch, repo.defaultBranch])
        await commitFiles(work, { [`${branch}.txt`]: `${branch}\n` }, `feat: ${branch}`)
        await gitOk(work, ['push', '-q', forge.cloneUrl(repo), `HEAD:refs/heads/${branch}`], env)
      }
    }

    const draft = (repo: RepoRef, head: string, title: string): PullRequestDraft => ({
      repo,
      head,
      base: repo.defaultBranch,
      title,
      body: `Body of ${title}`,
      labels: ['agent-squad'],
      reviewers: [],
    })

    it('gives clone URLs without credentials in them', async () => {
      const repo = await fixture.newRepo('contract-url')
      const url = new URL(fixture.forge.cloneUrl(repo))
      expect(url.username).toBe('')
      expect(url.password).toBe('')
      expect(url.search).toBe('')
    })

    it('creates a repository idempotently, even when asked concurrently', async () => {
      const repo = await fixture.newRepo('contract-ensure')
      await Promise.all([1, 2, 3, 4].map(() => fixture.forge.ensureRepository(repo)))
      await fixture.forge.ensureRepository(repo)
      const credentials = await fixture.forge.credentials(repo, {})
      const env = credentials && 'httpHeader' in credentials ? headerEnv(credentials.httpHeader) : {}
      const listed = await git(process.cwd(), ['ls-remote', fixture.forge.cloneUrl(repo)], env)
      expect(listed.code, listed.stderr).toBe(0)
    })

    it('opens a pull request once per head and updates it on the next call', async () => {
      const repo = await fixture.newRepo('contract-pr')
      await fixture.forge.ensureRepository(repo)
      await pushBranches(repo, ['task-1', 'task-2'])
      expect(await fixture.forge.findOpenPullRequest(repo, 'task-1')).toBeNull()

      const first = await fixture.forge.createPullRequest(draft(repo, 'task-1', 'First'))
      expect(first).toMatchObject({
        state: 'open',
        head: 'task-1',
        base: repo.defaultBranch,
        title: 'First',
        created: true,
      })
      const again = await fixture.forge.createPullRequest(draft(repo, 'task-1', 'First, revised'))
      expect(again).toMatchObject({
        number: first.number,
        url: first.url,
        title: 'First, revised',
        created: false,
      })
      expect(await fixture.forge.findOpenPullRequest(repo, 'task-1')).toMatchObject({
        number: first.number,
        title: 'First, revised',
      })
      const other = await fixture.forge.createPullRequest(draft(repo, 'task-2', 'Second'))
      expect(other.created).toBe(true)
      expect(other.number).not.toBe(first.number)
    })

    it.skipIf(options.skip?.concurrency)(
      `opens exactly one pull request when asked five times at once${options.skip?.concurrency ? ` (skipped: ${options.skip.concurrency})` : ''}`,
      async () => {
        const repo = await fixture.newRepo('contract-race')
        await fixture.forge.ensureRepository(repo)
        await pushBranches(repo, ['task-9'])
        const results = await Promise.all(
          [1, 2, 3, 4, 5].map((i) => fixture.forge.createPullRequest(draft(repo, 'task-9', `Race ${i}`))),
        )
        expect(new Set(results.map((r) => r.number)).size).toBe(1)
        expect(results.filter((r) => r.created)).toHaveLength(1)
      },
    )
  })
}
