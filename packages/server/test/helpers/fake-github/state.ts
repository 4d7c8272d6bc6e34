import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { commitFiles, initBareRepo } from './git-store.ts'
import type { Account, App, Installation, Permissions, Repo, Role, Token } from './model.ts'
import { isoNow } from './urls.ts'

// The fake's records and the operations that create them. No HTTP here: the REST handlers and the
// test-facing API (index.ts) both work on this one store.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** Random characters in GitHub's token alphabet. */
function randomToken(length: number): string {
  return [...randomBytes(length)].map((byte) => BASE62[byte % 62]).join('')
}

export type CreateUserOpts = {
  login: string
  type?: 'User' | 'Bot' | 'Organization'
  name?: string
  email?: string
}
export type CreateRepoOpts = {
  /** `owner/name`; the owner is created as a user when missing. */
  fullName: string
  defaultBranch?: string
  private?: boolean
  description?: string
  /** Files of the initial commit, path to text (e.g. `.github/pull_request_template.md`). */
  files?: Record<string, string>
}
export type CreateTokenOpts = {
  login: string
  /** Repositories (`owner/name`) the token reaches; default 'all' (whatever the user can). */
  repos?: 'all' | string[]
  /** Fine-grained PAT permissions; default all of them, write. Ignored when `scopes` is given. */
  permissions?: Permissions
  /** A classic PAT with these OAuth scopes (`repo` reaches private repositories). */
  scopes?: string[]
  expiresAt?: Date
}

export const ALL_WRITE: Permissions = {
  contents: 'write',
  pull_requests: 'write',
  issues: 'write',
  checks: 'write',
  metadata: 'read',
  statuses: 'write',
}

export class FakeState {
  readonly users = new Map<string, Account>()
  readonly repos = new Map<string, Repo>()
  readonly tokens = new Map<string, Token>()
  readonly installations = new Map<number, Installation>()
  readonly app: App
  /** The folder holding every bare repository (`<owner>/<name>.git`). */
  readonly root: string
  private lastId = 1000

  constructor(root: string) {
    this.root = root
    const owner = this.createUser({ login: 'fake-app-owner', type: 'Organization' })
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const id = this.nextId()
    const slug = 'agent-squad-test'
    this.app = {
      id,
      slug,
      name: 'Agent Squad (test)',
      clientId: `Iv23${randomToken(16)}`,
      owner,
      privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      publicKey: createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })),
      permissions: { ...ALL_WRITE },
      events: [
        'pull_request',
        'pull_request_review',
        'pull_request_review_comment',
        'issue_comment',
        'issues',
      ],
      bot: this.createUser({ login: `${slug}[bot]`, type: 'Bot' }),
      createdAt: isoNow(),
    }
  }

  nextId(): number {
    this.lastId += 1
    return this.lastId
  }

  createUser(opts: CreateUserOpts): Account {
    const key = opts.login.toLowerCase()
    if (this.users.has(key)) throw new Error(`user ${opts.login} exists`)
    const account: Account = {
      id: this.nextId(),
      login: opts.login,
      type: opts.type ?? 'User',
      name: opts.name ?? null,
      email: opts.email ?? `${this.lastId}+${opts.login}@users.noreply.github.com`,
      createdAt: isoNow(),
    }
    this.users.set(key, account)
    return account
  }

  user(login: string): Account | undefined {
    return this.users.get(login.toLowerCase())
  }

  userByEmail(email: string): Account | null {
    for (const account of this.users.values()) if (account.email === email) return account
    return null
  }

  repo(fullName: string): Repo | undefined {
    return this.repos.get(fullName.toLowerCase())
  }

  async createRepo(opts: CreateRepoOpts): Promise<Repo> {
    const [ownerLogin, name, extra] = opts.fullName.split('/')
    if (!ownerLogin || !name || extra !== undefined) throw new Error(`not owner/name: ${opts.fullName}`)
    if (this.repo(opts.fullName)) throw new Error(`repository ${opts.fullName} exists`)
    const owner = this.user(ownerLogin) ?? this.createUser({ login: ownerLogin })
    const defaultBranch = opts.defaultBranch ?? 'main'
    const dir = join(this.root, owner.login, `${name}.git`)
    await initBareRepo(dir, defaultBranch)
    const files = opts.files ?? { 'README.md': `# ${name}\n` }
    await commitFiles(dir, { branch: defaultBranch, files, message: 'Initial commit' })
    const now = isoNow()
    const repo: Repo = {
      id: this.nextId(),
      owner,
      name,
      fullName: `${owner.login}/${name}`,
      description: opts.description ?? null,
      defaultBranch,
      private: opts.private ?? true,
      dir,
      collaborators: new Map(),
      labels: [],
      issues: [],
      checkRuns: [],
      statuses: [],
      nextNumber: 1,
      createdAt: now,
      updatedAt: now,
    }
    this.repos.set(repo.fullName.toLowerCase(), repo)
    return repo
  }

  /** The role `account` has on `repo`: owner is admin, then collaborators, then read on public ones. */
  roleOf(repo: Repo, account: Account): Role | null {
    if (account.id === repo.owner.id) return 'admin'
    return repo.collaborators.get(account.login.toLowerCase()) ?? (repo.private ? null : 'read')
  }

  createToken(opts: CreateTokenOpts): Token {
    const user = this.user(opts.login)
    if (!user) throw new Error(`no user ${opts.login}`)
    const classic = opts.scopes !== undefined
    const value = classic ? `ghp_${randomToken(36)}` : `github_pat_${randomToken(22)}_${randomToken(59)}`
    const token: Token = {
      value,
      kind: 'pat',
      user,
      installationId: null,
      repos:
        opts.repos === undefined || opts.repos === 'all' ? 'all' : opts.repos.map((r) => r.toLowerCase()),
      permissions: classic ? null : { ...(opts.permissions ?? ALL_WRITE), metadata: 'read' },
      scopes: opts.scopes ?? null,
      expiresAt: opts.expiresAt ?? null,
      revoked: false,
    }
    this.tokens.set(value, token)
    return token
  }

  installApp(opts: {
    account: string
    repos: 'all' | string[]
    permissions?: Permissions
    events?: string[]
  }) {
    const account = this.user(opts.account) ?? this.createUser({ login: opts.account })
    const installation: Installation = {
      id: this.nextId(),
      account,
      repos: opts.repos === 'all' ? 'all' : opts.repos.map((r) => r.toLowerCase()),
      permissions: { ...(opts.permissions ?? this.app.permissions), metadata: 'read' },
      events: opts.events ?? this.app.events,
      createdAt: isoNow(),
    }
    this.installations.set(installation.id, installation)
    return installation
  }

  /** Whether the installation covers `repo` (all of its account's repositories, or the chosen ones). */
  installationCovers(installation: Installation, repo: Repo): boolean {
    if (installation.repos === 'all') return repo.owner.id === installation.account.id
    return installation.repos.includes(repo.fullName.toLowerCase())
  }

  mintInstallationToken(
    installation: Installation,
    opts: { repos: 'all' | string[]; permissions: Permissions; ttlSeconds: number },
  ) {
    const token: Token = {
      value: `ghs_${randomToken(36)}`,
      kind: 'installation',
      user: this.app.bot,
      installationId: installation.id,
      repos: opts.repos,
      permissions: opts.permissions,
      scopes: null,
      expiresAt: new Date(Date.now() + opts.ttlSeconds * 1000),
      revoked: false,
    }
    this.tokens.set(token.value, token)
    return token
  }
}
