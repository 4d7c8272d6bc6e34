import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Core, FailKnob, Handlers, RateLimitKnob, RequestRecord } from './core.ts'
import { type Author, commitFiles, readPath, resolveCommit } from './git-store.ts'
import { listen } from './http-server.ts'
import { addIssueComment, type ReviewInput, submitReview } from './issue-mutations.ts'
import type {
  Account,
  CheckRun,
  Comment,
  CommitStatus,
  Issue,
  Label,
  Permissions,
  Repo,
  Review,
  ReviewComment,
  Role,
} from './model.ts'
import { OperationCatalog, type Violation } from './openapi-operations.ts'
import { findIssue, findPull, isPull, type Pull, refreshPull } from './pull-facts.ts'
import { appHandlers } from './routes/apps.ts'
import { checkHandlers } from './routes/checks.ts'
import { issueHandlers } from './routes/issues.ts'
import { pullHandlers } from './routes/pulls.ts'
import { repoHandlers } from './routes/repos.ts'
import { reviewHandlers } from './routes/reviews.ts'
import { statusHandlers } from './routes/statuses.ts'
import { SchemaRegistry } from './schema-registry.ts'
import { type OperationId, SERVED_OPERATIONS } from './served-operations.ts'
import { type CreateRepoOpts, type CreateTokenOpts, type CreateUserOpts, FakeState } from './state.ts'
import { makeUrls } from './urls.ts'
import { createWebhooks, type DeliverOpts, type Delivery, type PayloadBuilders } from './webhooks/index.ts'
import { WebhookSchemas } from './webhooks/schemas.ts'

// A stateful GitHub for tests, on 127.0.0.1: REST under /api/v3 (checked against GitHub's own OpenAPI
// description), git smart HTTP, a GitHub App with JWT and installation tokens, and webhook payloads.
// See README.md in this folder.

export type { RateLimitKnob, RequestRecord } from './core.ts'
export type { Violation } from './openapi-operations.ts'
export type {
  Account,
  CheckRun,
  Comment,
  CommitStatus,
  Label,
  Permissions,
  Pull,
  Repo,
  Review,
  ReviewComment,
  Role,
}

export type FakeGitHubApp = {
  id: number
  slug: string
  clientId: string
  privateKeyPem: string
  publicKeyPem: string
}

export type FakeGitHub = {
  /** The web root, e.g. http://127.0.0.1:PORT; clone at `${url}/owner/name.git`. */
  url: string
  /** Octokit's baseUrl: `${url}/api/v3`. */
  apiUrl: string
  app: FakeGitHubApp
  /** Every request or response that disagreed with GitHub's OpenAPI description (see expectNoViolations). */
  violations: Violation[]
  requests: RequestRecord[]
  createUser(opts: CreateUserOpts): Account
  createRepo(opts: CreateRepoOpts): Promise<Repo>
  addCollaborator(repo: string, login: string, role: Role): void
  /** A personal access token for `login`; returns the token. */
  createToken(opts: CreateTokenOpts): string
  installApp(opts: { account: string; repos: 'all' | string[]; permissions?: Permissions }): { id: number }
  /** An installation token minted directly (what POST /app/installations/{id}/access_tokens gives). */
  installationToken(installationId: number, opts?: { repos?: string[]; permissions?: Permissions }): string
  expireToken(token: string): void
  /** Every token the fake has handed out (PATs and installation tokens), to look for leaks. */
  mintedTokens(): string[]
  /** How long new installation tokens live (GitHub: one hour). */
  setInstallationTokenTtl(seconds: number): void
  rateLimitNext(knob: RateLimitKnob): void
  failNext(operationId: OperationId, status: number, body?: unknown): void
  refuseReviewer(login: string): void
  /** Commits files to a branch in the bare repository, as a push would; returns the commit sha. */
  commit(opts: {
    repo: string
    branch: string
    files: Record<string, string>
    message: string
    from?: string
    author?: Author
  }): Promise<string>
  branchSha(repo: string, branch: string): Promise<string | null>
  readFile(repo: string, ref: string, path: string): Promise<string | null>
  pulls(repo: string): Promise<Pull[]>
  issue(repo: string, number: number): Issue
  labels(repo: string): Label[]
  checkRuns(repo: string): CheckRun[]
  /** Commit statuses set on the repository's commits (what a token shows a run with), oldest first. */
  commitStatuses(repo: string): CommitStatus[]
  comments(repo: string, number: number): Comment[]
  reviewRequests(repo: string, number: number): string[]
  reviews(repo: string, number: number): Review[]
  reviewComments(repo: string, number: number): ReviewComment[]
  /** A person (not the caller of the API) reviews a pull request, e.g. requests changes. */
  submitReview(
    opts: { repo: string; number: number; author: string } & ReviewInput,
  ): Promise<{ review: Review; comments: ReviewComment[] }>
  addComment(opts: { repo: string; number: number; author: string; body: string }): Comment
  /** Webhook payload builders: each performs its action on the state, validates and returns the payload. */
  webhookPayload: PayloadBuilders
  /** POSTs a payload with Hookshot's headers and an X-Hub-Signature-256 made with `secret`. */
  deliver(opts: DeliverOpts): Promise<Delivery>
  expectNoViolations(): void
  close(): Promise<void>
}

const HANDLERS: Handlers = {
  ...repoHandlers,
  ...pullHandlers,
  ...reviewHandlers,
  ...issueHandlers,
  ...checkHandlers,
  ...statusHandlers,
  ...appHandlers,
}

/** Compiled schemas are kept for the process: compiling GitHub's large ones takes seconds. */
let compiled: { catalog: OperationCatalog; webhookSchemas: WebhookSchemas } | undefined

function schemas() {
  if (compiled) return compiled
  const registry = new SchemaRegistry()
  const catalog = new OperationCatalog(registry)
  for (const id of SERVED_OPERATIONS) {
    if (!catalog.byId(id))
      throw new Error(`${id} is not in the OpenAPI extract: run node scripts/extract-github-openapi.ts`)
    if (!HANDLERS[id]) throw new Error(`no handler for ${id}`)
  }
  compiled = { catalog, webhookSchemas: new WebhookSchemas(registry) }
  return compiled
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const root = await mkdtemp(join(tmpdir(), 'fake-github-'))
  const { catalog, webhookSchemas } = schemas()
  const state = new FakeState(root)
  const core: Core = {
    state,
    urls: makeUrls('http://127.0.0.1'),
    catalog,
    knobs: {
      rateLimits: [],
      failures: new Map(),
      refusedReviewers: new Set(),
      installationTokenTtlSeconds: 3600,
    },
    violations: [],
    requests: [],
    usage: new Map(),
  }
  const { server, port } = await listen(core, HANDLERS)
  core.urls = makeUrls(`http://127.0.0.1:${port}`)
  const repoOf = (name: string): Repo => {
    const repo = state.repo(name)
    if (!repo) throw new Error(`no repository ${name}`)
    return repo
  }
  const userOf = (login: string): Account => {
    const user = state.user(login)
    if (!user) throw new Error(`no user ${login}`)
    return user
  }
  const pullOf = (repo: string, number: number) => findPull(repoOf(repo), number)
  const { app } = state

  return {
    url: core.urls.web,
    apiUrl: core.urls.api,
    app: {
      id: app.id,
      slug: app.slug,
      clientId: app.clientId,
      privateKeyPem: app.privateKeyPem,
      publicKeyPem: app.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    violations: core.violations,
    requests: core.requests,
    createUser: (opts) => state.createUser(opts),
    mintedTokens: () => [...state.tokens.keys()],
    createRepo: (opts) => state.createRepo(opts),
    addCollaborator: (repo, login, role) => {
      repoOf(repo).collaborators.set(userOf(login).login.toLowerCase(), role)
    },
    createToken: (opts) => state.createToken(opts).value,
    installApp: (opts) => ({ id: state.installApp(opts).id }),
    installationToken: (installationId, opts = {}) => {
      const found = state.installations.get(installationId)
      if (!found) throw new Error(`no installation ${installationId}`)
      const covered = [...state.repos.values()]
        .filter((r) => state.installationCovers(found, r))
        .map((r) => r.fullName.toLowerCase())
      const repos = opts.repos
        ? opts.repos.map((r) => r.toLowerCase()).filter((r) => covered.includes(r))
        : covered
      const permissions = { ...(opts.permissions ?? found.permissions), metadata: 'read' as const }
      return state.mintInstallationToken(found, {
        repos,
        permissions,
        ttlSeconds: core.knobs.installationTokenTtlSeconds,
      }).value
    },
    expireToken: (token) => {
      const found = state.tokens.get(token)
      if (!found) throw new Error('not a token this fake minted')
      found.expiresAt = new Date(Date.now() - 1000)
    },
    setInstallationTokenTtl: (seconds) => {
      core.knobs.installationTokenTtlSeconds = seconds
    },
    rateLimitNext: (knob) => void core.knobs.rateLimits.push(knob),
    failNext: (operationId, status, body) => {
      const queue = core.knobs.failures.get(operationId) ?? []
      queue.push(body === undefined ? { status } : ({ status, body } satisfies FailKnob))
      core.knobs.failures.set(operationId, queue)
    },
    refuseReviewer: (login) => void core.knobs.refusedReviewers.add(login.toLowerCase()),
    commit: (opts) => commitFiles(repoOf(opts.repo).dir, opts),
    branchSha: (repo, branch) => resolveCommit(repoOf(repo).dir, `refs/heads/${branch}`),
    readFile: async (repo, ref, path) => {
      const dir = repoOf(repo).dir
      const sha = await resolveCommit(dir, ref)
      const found = sha ? await readPath(dir, sha, path) : null
      return found?.kind === 'file' ? found.content.toString('utf8') : null
    },
    pulls: async (repo) => {
      const found = repoOf(repo).issues.filter(isPull)
      for (const pull of found) await refreshPull(repoOf(repo), pull)
      return found
    },
    issue: (repo, number) => findIssue(repoOf(repo), number),
    labels: (repo) => repoOf(repo).labels,
    checkRuns: (repo) => repoOf(repo).checkRuns,
    commitStatuses: (repo) => repoOf(repo).statuses,
    comments: (repo, number) => findIssue(repoOf(repo), number).comments,
    reviewRequests: (repo, number) => pullOf(repo, number).pull.requestedReviewers.map((u) => u.login),
    reviews: (repo, number) => pullOf(repo, number).pull.reviews,
    reviewComments: (repo, number) => pullOf(repo, number).pull.reviewComments,
    submitReview: (opts) =>
      submitReview(core, repoOf(opts.repo), pullOf(opts.repo, opts.number), userOf(opts.author), opts),
    addComment: (opts) =>
      addIssueComment(core, findIssue(repoOf(opts.repo), opts.number), userOf(opts.author), opts.body),
    ...(() => {
      const webhooks = createWebhooks(core, webhookSchemas)
      return { webhookPayload: webhooks.payload, deliver: webhooks.deliver }
    })(),
    expectNoViolations: () => {
      if (core.violations.length === 0) return
      const lines = core.violations.map((v) => `${v.phase} ${v.operationId}:\n  ${v.problems.join('\n  ')}`)
      throw new Error(
        `The fake GitHub saw ${core.violations.length} violation(s) of GitHub's OpenAPI description:\n${lines.join('\n')}`,
      )
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rm(root, { recursive: true, force: true })
    },
  }
}
