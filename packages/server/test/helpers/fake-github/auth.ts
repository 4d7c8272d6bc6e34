import { looksLikeJwt, verifyAppJwt } from './jwt.ts'
import {
  type Installation,
  type PermissionLevel,
  type PermissionName,
  type Repo,
  ROLES,
  type Role,
  type Token,
} from './model.ts'
import type { FakeState } from './state.ts'

// Who is calling, and whether they may do what they ask on a repository. Shared by the REST API and
// the git server, so a token reaches exactly the same repositories over both.

export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'pat'; token: Token }
  | { kind: 'installation'; token: Token; installation: Installation }
  | { kind: 'app' }

export type Denied = { status: 401 | 403 | 404; message: string }

/**
 * What an operation needs: an app/fine-grained permission and, for a user, a repository role. A
 * classic PAT needs `repo` (or `public_repo` on a public repository), or the narrower `scope` when
 * the operation has one (`repo:status` for commit statuses).
 */
export type Need = { permission: PermissionName; level: PermissionLevel; role: Role; scope?: string }

/** The secret in an Authorization header: `token X`, `Bearer X`, or Basic with X as the password. */
export function credentialOf(header: string | undefined): string | null {
  if (!header) return null
  const [scheme = '', ...rest] = header.trim().split(/\s+/)
  const value = rest.join(' ')
  const lower = scheme.toLowerCase()
  if (lower === 'token' || lower === 'bearer') return value || null
  if (lower === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon >= 0 ? decoded.slice(colon + 1) || null : null
  }
  return null
}

/** A usable token (not expired, not revoked), or null. */
export function liveToken(state: FakeState, value: string): Token | null {
  const token = state.tokens.get(value)
  if (!token || token.revoked) return null
  if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) return null
  return token
}

export function resolveCaller(state: FakeState, authorization: string | undefined): Caller | Denied {
  const secret = credentialOf(authorization)
  if (authorization === undefined) return { kind: 'anonymous' }
  if (!secret) return { status: 401, message: 'Bad credentials' }
  if (looksLikeJwt(secret)) {
    const check = verifyAppJwt(secret, state.app)
    return check.ok ? { kind: 'app' } : { status: 401, message: check.message }
  }
  const token = liveToken(state, secret)
  if (!token) return { status: 401, message: 'Bad credentials' }
  if (token.kind === 'pat') return { kind: 'pat', token }
  const installation =
    token.installationId === null ? undefined : state.installations.get(token.installationId)
  if (!installation) return { status: 401, message: 'Bad credentials' }
  return { kind: 'installation', token, installation }
}

function levelCovers(has: PermissionLevel | undefined, needed: PermissionLevel): boolean {
  return has === 'write' || (has === 'read' && needed === 'read')
}

/** The role a caller acts with on `repo` (for `permissions` in GET /repos), or null without access. */
export function callerRole(state: FakeState, caller: Caller, repo: Repo): Role | null {
  if (caller.kind === 'pat') return state.roleOf(repo, caller.token.user)
  if (caller.kind === 'installation') return caller.token.permissions?.contents === 'write' ? 'write' : 'read'
  return repo.private ? null : 'read'
}

function tokenReaches(token: Token, repo: Repo): boolean {
  return token.repos === 'all' || token.repos.includes(repo.fullName.toLowerCase())
}

/** Whether `caller` may do what `need` describes on `repo`; the denial is GitHub's answer. */
export function checkRepoAccess(state: FakeState, caller: Caller, repo: Repo, need: Need): Role | Denied {
  const hidden: Denied = { status: 404, message: 'Not Found' }
  if (caller.kind === 'anonymous') {
    if (repo.private) return hidden
    return need.level === 'read' && need.role === 'read'
      ? 'read'
      : { status: 401, message: 'Requires authentication' }
  }
  if (caller.kind === 'app') return { status: 403, message: 'Resource not accessible by integration' }
  if (caller.kind === 'installation') {
    if (!state.installationCovers(caller.installation, repo) || !tokenReaches(caller.token, repo))
      return hidden
    if (!levelCovers(caller.token.permissions?.[need.permission], need.level))
      return { status: 403, message: 'Resource not accessible by integration' }
    return callerRole(state, caller, repo) ?? 'read'
  }
  const { token } = caller
  const role = state.roleOf(repo, token.user)
  if (role === null || !tokenReaches(token, repo)) return hidden
  const denied: Denied = { status: 403, message: 'Resource not accessible by personal access token' }
  if (token.permissions) {
    if (!levelCovers(token.permissions[need.permission], need.level)) return denied
  } else {
    const scopes = token.scopes ?? []
    const reaches =
      scopes.includes('repo') ||
      (!repo.private && scopes.includes('public_repo')) ||
      (need.scope !== undefined && scopes.includes(need.scope))
    if (repo.private && !reaches) return hidden
    if (need.level === 'write' && !reaches) return denied
  }
  if (ROLES.indexOf(role) < ROLES.indexOf(need.role))
    return { status: 403, message: 'Must have push access to repository' }
  return role
}

export function isDenied(value: unknown): value is Denied {
  return typeof value === 'object' && value !== null && 'status' in value && 'message' in value
}
