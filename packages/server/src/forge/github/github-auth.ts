import { createAppAuth } from '@octokit/auth-app'
import { AppError } from '../../domain/errors.ts'
import type { RepoRef } from '../forge.ts'
import { createGitHubClient, type GitHubClient, type GitHubClientOpts } from './github-client.ts'

/** A repository on GitHub as the adapter needs it: owner, name and how it authenticates. */
export type GitHubRepo = {
  owner: string
  name: string
  baseUrl: string | null
  squadId: string
  auth: NonNullable<RepoRef['github']>['auth']
}

export function gitHubRepoOf(repo: RepoRef): GitHubRepo {
  if (repo.kind !== 'github' || !repo.github)
    throw new AppError('bad_request', `Repository ${repo.name} is not a GitHub repository`)
  const [owner = '', name = ''] = repo.github.repo.split('/')
  return { owner, name, baseUrl: repo.github.baseUrl, squadId: repo.squadId, auth: repo.github.auth }
}

/** A token the API and git accept for one repository, with when it stops working (null: not known). */
export type RepoToken = {
  token: string
  expiresAt: Date | null
  /** Names the credential in error messages. */
  subject: string
  /** What it may do there (`contents:write`, …): a token's granted App permissions, null for a PAT. */
  permissions: string[] | null
}

/** The App permissions an execution's token asks for (narrowed further to what the installation has). */
export const APP_TOKEN_PERMISSIONS = {
  contents: 'write',
  pull_requests: 'write',
  checks: 'write',
  issues: 'write',
  metadata: 'read',
} as const

/** A minted token is replaced this long before it expires, so no git command starts with a dying one. */
export const REFRESH_BEFORE_MS = 5 * 60_000

export type GitHubAuthOpts = {
  /** Opens a squad secret by name; null when the squad has none by that name. */
  secrets: (squadId: string, name: string) => Promise<string | null>
  /** Told every token this adapter mints, so the server's redactor hides it from logs and events. */
  onSecret?: (value: string) => void
  client?: Omit<GitHubClientOpts, 'baseUrl' | 'token' | 'subject'>
  now?: () => number
}

export type GitHubAuthSource = {
  /** A token for `repo`: the PAT, or an installation token minted for the execution (or the server). */
  token(repo: GitHubRepo, executionId?: string): Promise<RepoToken>
  /** A client authenticated as the App itself (its JWT), for `GET /app` and installations. */
  appClient(repo: GitHubRepo): Promise<GitHubClient>
  /** Revokes the tokens minted for an execution. */
  release(executionId: string): Promise<void>
}

const permissionList = (permissions: Record<string, string | undefined>) =>
  Object.entries(permissions)
    .filter(([, level]) => level)
    .map(([name, level]) => `${name}:${level}`)
    .sort()

/** The asked-for permissions the installation has, each at most at the level it was granted. */
export function narrowPermissions(granted: Record<string, string | undefined>) {
  const narrowed: Record<string, 'read' | 'write'> = {}
  for (const [name, level] of Object.entries(APP_TOKEN_PERMISSIONS)) {
    const has = granted[name]
    if (has === 'write' || has === 'admin') narrowed[name] = level
    else if (has === 'read') narrowed[name] = 'read'
  }
  return narrowed
}

type Minted = RepoToken & { installationId: number; baseUrl: string | null }

/**
 * Where the adapter's GitHub credentials come from. A personal access token is the squad secret's
 * value. A GitHub App signs a JWT with its private key (a squad secret), finds the installation
 * for the repository and mints an installation token narrowed to that one repository and to the
 * permissions a run needs; one per execution (cached by execution id, renewed within five minutes
 * of its expiry, revoked at release), and one for the server's own calls outside executions.
 */
export function createGitHubAuth(opts: GitHubAuthOpts): GitHubAuthSource {
  const now = opts.now ?? Date.now
  const minted = new Map<string, Promise<Minted>>()
  /** The App's installation per repository and what it was granted, asked once per process. */
  const installations = new Map<string, { id: number; permissions: Record<string, string | undefined> }>()
  /** Every token minted for an execution (a renewed one too), revoked together at release. */
  const issued = new Map<string, Minted[]>()

  async function secret(repo: GitHubRepo, name: string, what: string) {
    const value = await opts.secrets(repo.squadId, name)
    if (!value)
      throw new AppError(
        'validation_failed',
        `The squad has no secret ${name} (${what} of ${repo.owner}/${repo.name}): store it in the squad's secrets`,
      )
    return value
  }

  const client = (repo: GitHubRepo, token: string, subject: string) =>
    createGitHubClient({ ...opts.client, baseUrl: repo.baseUrl, token, subject })

  async function appClient(repo: GitHubRepo) {
    if (repo.auth.kind !== 'app') throw new Error('appClient needs a GitHub App repository')
    const { app_id: appId, private_key_secret: keyName } = repo.auth
    const privateKey = await secret(repo, keyName, `GitHub App ${appId}'s private key`)
    let jwt: string
    try {
      jwt = (await createAppAuth({ appId, privateKey })({ type: 'app' })).token
    } catch {
      // The library's message may quote the key; ours names the secret only.
      throw new AppError(
        'validation_failed',
        `The secret ${keyName} does not hold a usable private key for GitHub App ${appId}: store the App's .pem file as it was downloaded`,
      )
    }
    return client(repo, jwt, `GitHub App ${appId} (private key in secret ${keyName})`)
  }

  async function mint(repo: GitHubRepo): Promise<Minted> {
    if (repo.auth.kind !== 'app') throw new Error('mint needs a GitHub App repository')
    const app = await appClient(repo)
    const subject = `GitHub App ${repo.auth.app_id}`
    const installationKey = `${repo.baseUrl ?? ''}|${repo.auth.app_id}|${repo.owner}/${repo.name}`
    let installation = installations.get(installationKey)
    if (!installation) {
      const { data } = await app
        .request('GET /repos/{owner}/{repo}/installation', { owner: repo.owner, repo: repo.name })
        .catch((error: unknown) => {
          if (error instanceof AppError && error.code === 'not_found')
            throw new AppError(
              'validation_failed',
              `${subject} is not installed on ${repo.owner}/${repo.name}: install it there (with contents, pull requests, checks and issues permissions)`,
              { cause: error },
            )
          throw error
        })
      installation = { id: data.id, permissions: data.permissions as Record<string, string | undefined> }
      installations.set(installationKey, installation)
    }
    const installationId = installation.id
    const { data } = await app
      .request('POST /app/installations/{installation_id}/access_tokens', {
        installation_id: installationId,
        repositories: [repo.name],
        permissions: narrowPermissions(installation.permissions),
      })
      .catch((error: unknown) => {
        // Uninstalled, reinstalled or its permissions changed: the next call looks the installation up again.
        installations.delete(installationKey)
        throw error
      })
    opts.onSecret?.(data.token)
    return {
      token: data.token,
      expiresAt: new Date(data.expires_at),
      subject: `${subject}'s installation token`,
      permissions: permissionList((data.permissions ?? {}) as Record<string, string | undefined>),
      installationId,
      baseUrl: repo.baseUrl,
    }
  }

  async function token(repo: GitHubRepo, executionId?: string): Promise<RepoToken> {
    if (repo.auth.kind === 'token') {
      const value = await secret(repo, repo.auth.secret, 'the GitHub token')
      return {
        token: value,
        expiresAt: null,
        subject: `the token in secret ${repo.auth.secret}`,
        permissions: null,
      }
    }
    const key = `${executionId ?? ''}|${repo.baseUrl ?? ''}|${repo.auth.app_id}|${repo.owner}/${repo.name}`
    const cached = minted.get(key)
    if (cached) {
      const current = await cached.catch(() => null)
      if (current?.expiresAt && current.expiresAt.getTime() - now() > REFRESH_BEFORE_MS) return current
      // Expiring (or failed): mint anew. The old one lapses by itself within minutes.
      if (minted.get(key) !== cached) return token(repo, executionId)
    }
    const next = mint(repo)
    minted.set(key, next)
    if (executionId)
      void next.then(
        (fresh) => issued.set(executionId, [...(issued.get(executionId) ?? []), fresh]),
        () => {},
      )
    next.catch(() => {
      if (minted.get(key) === next) minted.delete(key)
    })
    return next
  }

  async function release(executionId: string) {
    const pending = [...minted.entries()].filter(([key]) => key.startsWith(`${executionId}|`))
    for (const [key, promise] of pending) {
      minted.delete(key)
      await promise.catch(() => null)
    }
    const tokens = issued.get(executionId) ?? []
    issued.delete(executionId)
    for (const current of tokens) {
      if (current.expiresAt && current.expiresAt.getTime() <= now()) continue
      const api = createGitHubClient({
        ...opts.client,
        baseUrl: current.baseUrl,
        token: current.token,
        subject: current.subject,
      })
      // Revoking is tidiness: a token that cannot be revoked expires within the hour anyway.
      await api.request('DELETE /installation/token').catch(() => {})
    }
  }

  return { token, appClient, release }
}
