import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AuthMode } from '../../auth/auth-user.ts'
import type { Db } from '../../db/database.ts'
import { AppError } from '../../domain/errors.ts'
import { runGit } from '../../git/run-git.ts'
import type { Forge, PullRequestDraft, PullRequestRef, RepoRef } from '../forge.ts'
import { ensureBareRepository } from './ensure-bare-repository.ts'
import { GIT_TOKEN_TTL_MS, mintGitToken, revokeGitTokens } from './git-token.ts'
import { localPullCommits, localPullDiff, mergeLocalPull } from './local-pull-requests.ts'
import { bareRepoPath } from './repo-path.ts'

/** Where the local forge keeps its pull requests: this server's database (pull-requests/local-pull-request-store.ts). */
export type LocalPullRequestStore = {
  findOpen(repo: RepoRef, head: string): Promise<PullRequestRef | null>
  /** Opens one, or updates the open one of the same head (`created: false`). */
  open(draft: PullRequestDraft): Promise<PullRequestRef>
}

export type LocalForgeOpts = {
  db: Db
  pullRequests: LocalPullRequestStore
  /** Where the bare repositories live: `<dataDir>/forge`. */
  root: string
  /** Unused since credentials are minted in every auth mode (a push always needs a token); kept for server.ts. */
  authMode?: AuthMode
  /** SQUAD_PUBLIC_URL: the base of clone and pull request URLs when set. */
  publicUrl?: string | undefined
  gitTokenTtlMs?: number
}

/** The built-in forge: bare repositories served over git smart HTTP by this server, PRs in the database. */
export type LocalForge = Omit<Forge, 'credentials'> & {
  /** Always a token in an HTTP header (never an ssh key): this forge speaks git smart HTTP only. */
  credentials(
    repo: RepoRef,
    purpose: { executionId?: string },
  ): Promise<{ httpHeader: string; expiresAt?: Date }>
  readonly root: string
  /** The base URL clients reach this server at (SQUAD_PUBLIC_URL, else the listening address). */
  baseUrl(): string
  /** Tells the forge where the server listens, once it does (the port may be picked at listen time). */
  setListenUrl(url: string): void
  /** Where the server listens (what setListenUrl was told), whatever SQUAD_PUBLIC_URL says. */
  listenUrl(): string | null
  /** The bare repository of a local repository on disk. */
  repoPath(repo: { squadId: string; name: string }): string
}

export function createLocalForge(opts: LocalForgeOpts): LocalForge {
  const publicUrl = opts.publicUrl?.replace(/\/+$/, '')
  let listenUrl: string | null = null

  const baseUrl = () => {
    const url = publicUrl ?? listenUrl
    if (!url) throw new Error('the local forge has no base URL yet: the server is not listening')
    return url
  }
  const repoPath = (repo: { squadId: string; name: string }) => bareRepoPath(opts.root, repo)
  const local = (repo: RepoRef) => {
    if (repo.kind !== 'local')
      throw new AppError('bad_request', `Repository ${repo.name} is not on the local forge`)
    return repo
  }

  return {
    name: 'local',
    capabilities: { pullRequests: true, merge: true, checks: false },
    root: opts.root,
    baseUrl,
    setListenUrl(url) {
      listenUrl = url.replace(/\/+$/, '')
    },
    listenUrl: () => listenUrl,
    repoPath,

    cloneUrl: (repo) => `${baseUrl()}/git/${local(repo).squadId}/${repo.name}.git`,

    async credentials(repo, purpose) {
      // With auth off too: a push always needs a token, and an execution's token pushes only its
      // own branch (push-policy.ts), so a token that leaks to the agent cannot reach the default branch.
      const token = await mintGitToken(
        opts.db,
        { squadId: local(repo).squadId, executionId: purpose.executionId },
        opts.gitTokenTtlMs ?? GIT_TOKEN_TTL_MS,
      )
      return { httpHeader: `Authorization: Bearer ${token}` }
    },

    async releaseCredentials(purpose) {
      await revokeGitTokens(opts.db, purpose.executionId)
    },

    async ensureRepository(repo) {
      const path = repoPath(local(repo))
      if (await ensureBareRepository(path, repo.defaultBranch)) return
      // An existing repository follows its record's default branch (what a clone checks out).
      const head = await readFile(join(path, 'HEAD'), 'utf8').catch(() => '')
      if (head.trim() !== `ref: refs/heads/${repo.defaultBranch}`)
        await runGit(['symbolic-ref', 'HEAD', `refs/heads/${repo.defaultBranch}`], { cwd: path })
    },

    findOpenPullRequest: (repo, head) => opts.pullRequests.findOpen(local(repo), head),
    mergePullRequest: (repo, pr, request) => mergeLocalPull(repoPath(local(repo)), pr, request),
    pullRequestDiff: (repo, pr, options) => localPullDiff(repoPath(local(repo)), pr, options?.maxBytes),
    pullRequestCommits: (repo, pr) => localPullCommits(repoPath(local(repo)), pr),

    async createPullRequest(draft) {
      local(draft.repo)
      return opts.pullRequests.open(draft)
    },
  }
}
