import type { Db } from '../../db/database.ts'
import type { VendorCallObserver } from '../../observability/vendor-calls.ts'
import type { Forge, RepoRef } from '../forge.ts'
import { gitHubCloneUrl } from '../github-urls.ts'
import { createGitHubAuth, type GitHubRepo, gitHubRepoOf } from './github-auth.ts'
import { reportGitHubCheck } from './github-checks.ts'
import { createGitHubClient, type GitHubRetryOpts } from './github-client.ts'
import { mergeGitHubPull } from './github-merge.ts'
import { gitHubIdentity, gitHubPermissionOf } from './github-people.ts'
import { pollGitHubEvents } from './github-poll.ts'
import { listGitHubPullCommits, readGitHubPullDiff } from './github-pull-reading.ts'
import { createOrUpdatePull, findOpenPull, toRef } from './github-pull-requests.ts'
import { checkGitHubRepository } from './github-repo-check.ts'
import { listReviewComments } from './github-review-comments.ts'
import type { PullRequestMirror } from './pull-request-mirror.ts'
import { createRepoFiles } from './repo-files.ts'

export type GitHubForgeOpts = {
  /** Unused by the adapter itself today; kept so the composition root passes what the local forge gets. */
  db?: Db
  /** Opens a squad secret by name (a token, an App's private key); null when there is none. */
  secrets: (squadId: string, name: string) => Promise<string | null>
  /** The base of links to this server's pages (a task's Work page), e.g. SQUAD_PUBLIC_URL. */
  publicUrl: () => string
  /** Where GitHub pull requests are recorded (pull-requests/mirror-forge-pull-request.ts). */
  pullRequests: PullRequestMirror
  /** Told every token the adapter mints, for the server's redactor. */
  onSecret?: (value: string) => void
  fetch?: typeof fetch
  /** Per request (default 15 s). */
  timeoutMs?: number
  retry?: GitHubRetryOpts
  now?: () => number
  /** Told of every request to GitHub's API (for /metrics). */
  onCall?: VendorCallObserver
}

/** `Authorization: Basic base64(x-access-token:TOKEN)`: what GitHub's git over HTTPS accepts for tokens. */
export const gitAuthHeader = (token: string) =>
  `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`

/**
 * The GitHub forge (github.com and GitHub Enterprise Server) on Octokit. Every call authenticates
 * with the repository's credential (github-auth.ts: a token, or an App installation token minted
 * per execution) and goes through one client policy (github-client.ts: timeout, rate limits,
 * retries, AppErrors). Pull requests are mirrored in this server's table by the store handed in.
 */
export function createGitHubForge(opts: GitHubForgeOpts): Forge {
  const now = opts.now ?? Date.now
  const clientOpts = {
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.retry ? { retry: opts.retry } : {}),
    ...(opts.onCall ? { onCall: opts.onCall } : {}),
    now,
  }
  const auth = createGitHubAuth({
    secrets: opts.secrets,
    ...(opts.onSecret ? { onSecret: opts.onSecret } : {}),
    client: clientOpts,
    now,
  })
  const files = createRepoFiles()
  const identities = new Map<string, Promise<{ login: string }>>()

  /** The repository and a client with its credential (an execution's own token when it has one). */
  async function open(ref: RepoRef, executionId?: string | null) {
    const repo: GitHubRepo = gitHubRepoOf(ref)
    const token = await auth.token(repo, executionId ?? undefined)
    const api = createGitHubClient({
      ...clientOpts,
      baseUrl: repo.baseUrl,
      token: token.token,
      subject: token.subject,
    })
    return { repo, token, api }
  }

  return {
    name: 'github',
    capabilities: { pullRequests: true, merge: true, checks: true },

    cloneUrl(ref) {
      const repo = gitHubRepoOf(ref)
      return gitHubCloneUrl(repo.baseUrl, `${repo.owner}/${repo.name}`)
    },

    async credentials(ref, purpose) {
      const token = await auth.token(gitHubRepoOf(ref), purpose.executionId)
      return {
        httpHeader: gitAuthHeader(token.token),
        ...(token.expiresAt ? { expiresAt: token.expiresAt } : {}),
      }
    },

    releaseCredentials: (purpose) => auth.release(purpose.executionId),

    // Repositories are created on GitHub by people; checkRepository says when one is missing.
    async ensureRepository() {},

    async checkRepository(ref) {
      const { repo, token, api } = await open(ref)
      return checkGitHubRepository({ api, repo, token, defaultBranch: ref.defaultBranch, now })
    },

    async findOpenPullRequest(ref, head) {
      const { repo, api } = await open(ref)
      const pull = await findOpenPull({ api, repo }, head)
      return pull ? toRef(pull, false) : null
    },

    async createPullRequest(draft) {
      const { repo, api } = await open(draft.repo, draft.executionId)
      return createOrUpdatePull(
        { api, repo, ref: draft.repo, files, mirror: opts.pullRequests, publicUrl: opts.publicUrl },
        draft,
      )
    },

    async mergePullRequest(ref, pr, request) {
      const { repo, api } = await open(ref)
      return mergeGitHubPull({ api, repo, pr, request })
    },

    async pullRequestDiff(ref, pr, options) {
      const { repo, api } = await open(ref)
      return readGitHubPullDiff({
        api,
        repo,
        pr,
        ...(options?.maxBytes ? { maxBytes: options.maxBytes } : {}),
      })
    },

    async pullRequestCommits(ref, pr) {
      const { repo, api } = await open(ref)
      return listGitHubPullCommits({ api, repo, pr })
    },

    async reportCheck(ref, check) {
      const { repo, api } = await open(ref)
      return reportGitHubCheck({ api, repo, check, now })
    },

    async identity(ref) {
      // Who a credential is does not change: every webhook delivery asks, GitHub is asked once.
      const key = `${ref.squadId}:${ref.github?.baseUrl ?? ''}:${JSON.stringify(ref.github?.auth ?? null)}`
      const known = identities.get(key)
      if (known) return known
      const { repo, api } = await open(ref)
      const found = gitHubIdentity({ api, repo, auth })
      identities.set(key, found)
      found.catch(() => identities.delete(key))
      return found
    },

    async permissionOf(ref, login) {
      const { repo, api } = await open(ref)
      return gitHubPermissionOf({ api, repo, login })
    },

    async reviewComments(ref, number, reviewId) {
      const { repo, api } = await open(ref)
      return listReviewComments({ api, repo, number, reviewId })
    },

    async pollEvents(ref, cursor) {
      const { repo, api } = await open(ref)
      return pollGitHubEvents({ api, repo, cursor, now })
    },
  }
}
