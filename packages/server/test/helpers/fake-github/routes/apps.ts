import { type Ctx, type Handlers, HttpError, num, str } from '../core.ts'
import type { PermissionLevel, PermissionName, Permissions } from '../model.ts'
import { installation, integration } from '../serialize-app.ts'
import { repository } from '../serialize-repo.ts'
import { isoNow } from '../urls.ts'

// The GitHub App: who it is, where it is installed, and installation access tokens (minted with the
// app's JWT, narrowed to repositories and permissions, revoked with the token itself).

function requireJwt(ctx: Ctx) {
  if (ctx.caller.kind === 'app') return
  if (ctx.caller.kind === 'anonymous') throw new HttpError(401, 'Requires authentication')
  // GitHub's answer to an installation token or PAT where only the app's JWT is accepted.
  throw new HttpError(401, 'A JSON web token could not be decoded')
}

function narrowPermissions(granted: Permissions, requested: unknown): Permissions {
  if (typeof requested !== 'object' || requested === null) return { ...granted }
  const out: Permissions = { metadata: 'read' }
  for (const [name, level] of Object.entries(requested)) {
    const has = granted[name as PermissionName]
    const ok = has === 'write' || (has === 'read' && level === 'read')
    if (!ok) throw new HttpError(422, 'The permissions requested are not granted to this installation.')
    out[name as PermissionName] = level as PermissionLevel
  }
  return out
}

export const appHandlers: Handlers = {
  'apps/get-authenticated': (ctx) => {
    requireJwt(ctx)
    return { status: 200, body: integration(ctx.core.urls, ctx.core.state.app) }
  },
  'apps/get-repo-installation': (ctx) => {
    requireJwt(ctx)
    const { state } = ctx.core
    const repo = state.repo(`${str(ctx.path.owner)}/${str(ctx.path.repo)}`)
    const found = repo && [...state.installations.values()].find((i) => state.installationCovers(i, repo))
    if (!found) throw new HttpError(404, 'Not Found')
    return { status: 200, body: installation(ctx.core.urls, state.app, found) }
  },
  'apps/create-installation-access-token': (ctx) => {
    requireJwt(ctx)
    const { state, urls, knobs } = ctx.core
    const found = state.installations.get(num(ctx.path.installation_id))
    if (!found) throw new HttpError(404, 'Not Found')
    const names = Array.isArray(ctx.body.repositories) ? ctx.body.repositories.map(str) : []
    const ids = Array.isArray(ctx.body.repository_ids) ? ctx.body.repository_ids.map(num) : []
    const covered = [...state.repos.values()].filter((r) => state.installationCovers(found, r))
    const chosen = covered.filter(
      (r) => names.includes(r.name) || names.includes(r.fullName) || ids.includes(r.id),
    )
    if (chosen.length < names.length + ids.length)
      throw new HttpError(
        422,
        'There is at least one repository that does not exist or is not accessible to the parent installation.',
      )
    const narrowed = names.length + ids.length > 0
    const permissions = narrowPermissions(found.permissions, ctx.body.permissions)
    const token = state.mintInstallationToken(found, {
      repos: narrowed
        ? chosen.map((r) => r.fullName.toLowerCase())
        : covered.map((r) => r.fullName.toLowerCase()),
      permissions,
      ttlSeconds: knobs.installationTokenTtlSeconds,
    })
    const selection = narrowed || found.repos !== 'all' ? 'selected' : 'all'
    return {
      status: 201,
      body: {
        token: token.value,
        expires_at: isoNow(token.expiresAt ?? new Date()),
        permissions,
        repository_selection: selection,
        ...(selection === 'selected'
          ? { repositories: (narrowed ? chosen : covered).map((r) => repository(urls, r)) }
          : {}),
      },
    }
  },
  'apps/revoke-installation-access-token': (ctx) => {
    if (ctx.caller.kind !== 'installation') throw new HttpError(401, 'Bad credentials')
    ctx.caller.token.revoked = true
    return { status: 204 }
  },
}
