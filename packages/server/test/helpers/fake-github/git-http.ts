import { runHttpBackend } from '../../../src/forge/local/http-backend.ts'
import { type Caller, checkRepoAccess, credentialOf, isDenied, liveToken } from './auth.ts'
import type { Core } from './core.ts'
import type { Installation } from './model.ts'
import { isoNow } from './urls.ts'

// Git smart HTTP at /{owner}/{name}.git, served by `git http-backend` over the same bare repositories
// the REST API reads. Only tokens the fake minted get in (Basic with the token as password, or a
// `Bearer`/`token` header), and each reaches what it reaches over the API: contents read to fetch,
// contents write (and a write role) to push.

export type GitRequest = {
  method: string
  path: string
  query: string
  headers: Record<string, string | undefined>
  body: ReadableStream<Uint8Array> | null
  signal: AbortSignal
}

const GIT_PATH = /^\/([^/]+)\/([^/]+?)\.git(\/.*)?$/

export function isGitPath(path: string): boolean {
  return GIT_PATH.test(path)
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(`${body}\n`, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  })
}

export async function handleGit(
  core: Core,
  request: GitRequest,
): Promise<{ response: Response; caller: Caller['kind'] | 'invalid' }> {
  const [, owner = '', name = '', rest = ''] = GIT_PATH.exec(request.path) ?? []
  const repo = core.state.repo(`${owner}/${name}`)
  const challenge = { 'www-authenticate': 'Basic realm="GitHub"' }
  if (!repo) return { response: text(404, 'Repository not found.'), caller: 'anonymous' }
  const push =
    rest.endsWith('/git-receive-pack') ||
    new URLSearchParams(request.query).get('service') === 'git-receive-pack'

  const secret = credentialOf(request.headers.authorization)
  let caller: Caller = { kind: 'anonymous' }
  if (secret !== null) {
    const token = liveToken(core.state, secret)
    if (!token) return { response: text(401, 'Invalid username or token.', challenge), caller: 'invalid' }
    const installation: Installation | undefined =
      token.installationId === null ? undefined : core.state.installations.get(token.installationId)
    caller = installation ? { kind: 'installation', token, installation } : { kind: 'pat', token }
  } else if (repo.private || push) {
    // Git retries with credentials only after this challenge.
    return { response: text(401, 'Authentication required.', challenge), caller: 'anonymous' }
  }
  const access = checkRepoAccess(core.state, caller, repo, {
    permission: 'contents',
    level: push ? 'write' : 'read',
    role: push ? 'write' : 'read',
  })
  if (isDenied(access)) {
    const who =
      caller.kind === 'pat' || caller.kind === 'installation' ? caller.token.user.login : 'anonymous'
    const response =
      access.status === 404
        ? text(404, 'Repository not found.')
        : text(403, `Permission to ${repo.fullName}.git denied to ${who}.`)
    return { response, caller: caller.kind }
  }

  const response = await runHttpBackend({
    projectRoot: core.state.root,
    pathInfo: `/${repo.owner.login}/${repo.name}.git${rest}`,
    query: request.query,
    method: request.method,
    contentType: request.headers['content-type'],
    contentLength: request.headers['content-length'],
    contentEncoding: request.headers['content-encoding'],
    gitProtocol: request.headers['git-protocol'],
    remoteUser: caller.kind === 'anonymous' ? '' : caller.token.user.login,
    remoteAddr: '127.0.0.1',
    body: request.body,
    signal: request.signal,
  })
  if (push && request.method === 'POST') repo.updatedAt = isoNow()
  return { response, caller: caller.kind }
}
