import { type Handlers, HttpError, str } from '../core.ts'
import { commitInfo, readPath, resolveCommit, type TreeEntry } from '../git-store.ts'
import type { Repo, Role } from '../model.ts'
import { rateLimitOverview } from '../rate-limit.ts'
import { privateUser, simpleUser } from '../serialize-account.ts'
import { commit } from '../serialize-pull.ts'
import { fullRepository, permissionFlags } from '../serialize-repo.ts'
import type { Urls } from '../urls.ts'

// Repositories, their branches and contents, collaborator permissions, the authenticated user and
// the rate-limit overview.

/** The legacy `permission` value GitHub reports next to `role_name`. */
const LEGACY: Record<Role, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
}

function contentEntry(urls: Urls, repo: Repo, ref: string, entry: TreeEntry) {
  const path = entry.path.split('/').map(encodeURIComponent).join('/')
  const self = `${urls.repoApi(repo.fullName)}/contents/${path}?ref=${encodeURIComponent(ref)}`
  const gitUrl = `${urls.repoApi(repo.fullName)}/git/${entry.type === 'dir' ? 'trees' : 'blobs'}/${entry.sha}`
  const html = `${urls.repoWeb(repo.fullName)}/${entry.type === 'dir' ? 'tree' : 'blob'}/${ref}/${path}`
  return {
    type: entry.type,
    size: entry.size,
    name: entry.path.split('/').pop() ?? entry.path,
    path: entry.path,
    sha: entry.sha,
    url: self,
    git_url: gitUrl,
    html_url: html,
    download_url: entry.type === 'file' ? `${urls.web}/${repo.fullName}/raw/${ref}/${path}` : null,
    _links: { self, git: gitUrl, html },
  }
}

export const repoHandlers: Handlers = {
  'repos/get': (ctx) => {
    const { repo, role } = ctx.repo()
    return { status: 200, body: fullRepository(ctx.core.urls, repo, role) }
  },
  'repos/get-branch': async (ctx) => {
    const { repo } = ctx.repo()
    const branch = str(ctx.path.branch)
    const sha = await resolveCommit(repo.dir, `refs/heads/${branch}`)
    if (!sha) throw new HttpError(404, 'Branch not found')
    const head = await commitInfo(repo.dir, sha)
    const api = `${ctx.core.urls.repoApi(repo.fullName)}/branches/${encodeURIComponent(branch)}`
    const byEmail = (email: string) => ctx.core.state.userByEmail(email)
    return {
      status: 200,
      body: {
        name: branch,
        commit: head ? commit(ctx.core.urls, repo, head, byEmail) : { sha },
        _links: { self: api, html: `${ctx.core.urls.repoWeb(repo.fullName)}/tree/${branch}` },
        protected: false,
        protection: {
          enabled: false,
          required_status_checks: { enforcement_level: 'off', contexts: [], checks: [] },
        },
        protection_url: `${api}/protection`,
      },
    }
  },
  'repos/get-content': async (ctx) => {
    const { repo } = ctx.repo()
    const ref = str(ctx.query.ref) || repo.defaultBranch
    const sha = await resolveCommit(repo.dir, ref)
    if (!sha) throw new HttpError(404, `No commit found for the ref ${ref}`)
    const found = await readPath(repo.dir, sha, str(ctx.path.path))
    if (!found) throw new HttpError(404, 'Not Found')
    const urls = ctx.core.urls
    if (found.kind === 'dir')
      return { status: 200, body: found.entries.map((e) => contentEntry(urls, repo, ref, e)) }
    const path = str(ctx.path.path).replace(/^\/+|\/+$/g, '')
    const entry = contentEntry(urls, repo, ref, {
      type: 'file',
      path,
      sha: found.sha,
      size: found.content.length,
    })
    // GitHub wraps the base64 at 60 characters with newlines; clients strip them.
    const content = (found.content.toString('base64').match(/.{1,60}/g) ?? []).join('\n')
    return { status: 200, body: { ...entry, content: content ? `${content}\n` : '', encoding: 'base64' } }
  },
  'repos/get-collaborator-permission-level': (ctx) => {
    const { repo } = ctx.repo()
    const user = ctx.core.state.user(str(ctx.path.username))
    if (!user) throw new HttpError(404, `${str(ctx.path.username)} is not a user`)
    const role = ctx.core.state.roleOf(repo, user)
    return {
      status: 200,
      body: {
        permission: role ? LEGACY[role] : 'none',
        role_name: role ?? 'none',
        user: {
          ...simpleUser(ctx.core.urls, user),
          permissions: permissionFlags(role),
          role_name: role ?? 'none',
        },
      },
    }
  },
  'users/get-authenticated': (ctx) => {
    const { caller } = ctx
    if (caller.kind === 'anonymous') throw new HttpError(401, 'Requires authentication')
    if (caller.kind !== 'pat') throw new HttpError(403, 'Resource not accessible by integration')
    const user = caller.token.user
    const owned = [...ctx.core.state.repos.values()].filter((r) => r.owner.id === user.id && r.private).length
    return { status: 200, body: privateUser(ctx.core.urls, user, { ownedPrivateRepos: owned }) }
  },
  'rate-limit/get': (ctx) => ({ status: 200, body: rateLimitOverview(ctx.core, ctx.caller) }),
}
