import { Id } from '@agent-squad/contract'
import { getConnInfo } from '@hono/node-server/conninfo'
import { and, eq } from 'drizzle-orm'
import type { Context, Hono } from 'hono'
import type { AuthUser } from '../auth/auth-user.ts'
import { findTokenOwner } from '../auth/authenticate-token.ts'
import { executionOfToken } from '../auth/token-names.ts'
import { repositories, squads, taskExecutions, tasks } from '../db/schema.ts'
import { AppError, notFound } from '../domain/errors.ts'
import { runHttpBackend } from '../forge/local/http-backend.ts'
import { ensurePushHooks, type Pusher, pushPolicyEnv } from '../forge/local/push-policy.ts'
import { isRepositoryName } from '../forge/local/repo-path.ts'
import type { AppDeps } from './deps.ts'
import { errorResponse } from './errors.ts'

/** What a 401 tells git: ask for a username and password (the password being an API token). */
const CHALLENGE = 'Basic realm="agent-squad", charset="UTF-8"'

const SERVICES = ['git-upload-pack', 'git-receive-pack'] as const
type Service = (typeof SERVICES)[number]

/** `/git/<squad id>/<name>.git/<endpoint>`, the smart-HTTP endpoints only (no dumb protocol). */
const GIT_PATH = /^\/git\/([^/]+)\/([^/]+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/

/**
 * The token a git client sends: `Authorization: Bearer <token>` (http.extraHeader), or HTTP Basic
 * with the token as the password (`http://user:<token>@host/…`, credential helpers). A token in the
 * username with no password is accepted too, as some helpers send it that way.
 */
function gitTokenOf(header: string): string {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)
  if (bearer?.[1]) return bearer[1]
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header)
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const [user, password] = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)]
    const token = password || user
    if (token) return token
  }
  throw new AppError(
    'unauthorized',
    'Send an API token as "Authorization: Bearer <token>" or as the HTTP Basic password',
  )
}

/** Who a git request comes from: a token's owner and the token's name, or the local user (no token). */
type GitCaller = { user: AuthUser; tokenName: string | null }

/**
 * Same rules as the API (auth off means the local user; a token sent anyway is still checked), with
 * one more: a push always needs a token, even with auth off, so that nobody on this machine (a
 * sandboxed agent included) pushes anonymously. A fetch or clone may stay anonymous with auth off.
 */
async function authenticateGit(c: Context, deps: AppDeps, service: Service): Promise<GitCaller> {
  const header = c.req.header('authorization')
  if (!header) {
    if (service === 'git-receive-pack')
      throw new AppError(
        'unauthorized',
        'A push needs a token, even with auth off: set up `squad git-credential` as your git credential ' +
          'helper (squad git-credential --help), or send the token as the HTTP Basic password',
      )
    if (deps.authMode === 'none') return { user: deps.localUser, tokenName: null }
    throw new AppError('unauthorized', 'This server requires a token: use it as the password for git')
  }
  const owner = await findTokenOwner(deps.database.db, gitTokenOf(header))
  if (!owner) throw new AppError('unauthorized', 'The token is unknown, revoked or expired')
  return owner
}

/**
 * What the caller may push (forge/local/push-policy.ts). An execution's token reaches its own
 * execution's repository, and pushes only the branch that execution records; it may also fetch
 * (never push) the other repositories of the execution's squad, which a repository's submodules
 * can name.
 */
async function pusherOf(
  deps: AppDeps,
  caller: GitCaller,
  repository: { id: string; name: string; squadId: string },
  service: Service,
): Promise<Pusher> {
  const executionId = caller.tokenName ? executionOfToken(caller.tokenName) : null
  if (executionId === null) return { kind: 'person' }
  const [row] = Id.safeParse(executionId).success
    ? await deps.database.db
        .select({
          branch: taskExecutions.gitBranch,
          repositoryId: tasks.repositoryId,
          squadId: taskExecutions.squadId,
        })
        .from(taskExecutions)
        .innerJoin(tasks, eq(tasks.id, taskExecutions.taskId))
        .where(eq(taskExecutions.id, executionId))
    : []
  if (row && service === 'git-upload-pack' && row.squadId === repository.squadId)
    return { kind: 'execution', branch: row.repositoryId === repository.id ? row.branch : null }
  if (row?.repositoryId !== repository.id)
    throw new AppError(
      'forbidden',
      `This token was minted for one execution's git commands, which do not include repository ${repository.name}`,
    )
  return { kind: 'execution', branch: row.branch }
}

/** The endpoint's service, checking the method and query each endpoint allows. */
function serviceOf(c: Context, endpoint: string): Service {
  const method = c.req.method
  if (endpoint === 'info/refs') {
    if (method !== 'GET') throw new AppError('method_not_allowed', 'info/refs only accepts GET')
    const service = c.req.query('service')
    if (!SERVICES.includes(service as Service))
      throw new AppError(
        'bad_request',
        'Only the smart HTTP protocol is served: ?service=git-upload-pack or git-receive-pack',
      )
    return service as Service
  }
  if (method !== 'POST') throw new AppError('method_not_allowed', `${endpoint} only accepts POST`)
  return endpoint as Service
}

/** The local repository `name` of squad `squadId`, if `user` owns the squad; else a 404. */
async function findServedRepository(deps: AppDeps, user: AuthUser, squadId: string, name: string) {
  if (!Id.safeParse(squadId).success || !isRepositoryName(name)) throw notFound('Repository', name)
  const [row] = await deps.database.db
    .select({ repository: repositories })
    .from(repositories)
    .innerJoin(squads, eq(squads.id, repositories.squadId))
    .where(
      and(
        eq(repositories.squadId, squadId),
        eq(repositories.name, name),
        eq(repositories.kind, 'local'),
        eq(squads.userId, user.id),
      ),
    )
  if (!row) throw notFound('Repository', `${squadId}/${name}`)
  return row.repository
}

function remoteAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? ''
  } catch {
    return ''
  }
}

async function serveGit(c: Context, deps: AppDeps): Promise<Response> {
  const match = GIT_PATH.exec(c.req.path)
  if (!match) throw new AppError('not_found', `No git endpoint at ${c.req.path}`)
  const [, squadId = '', name = '', endpoint = ''] = match
  const service = serviceOf(c, endpoint)
  const caller = await authenticateGit(c, deps, service)
  const { user } = caller
  const repository = await findServedRepository(deps, user, squadId, name)
  const pusher = await pusherOf(deps, caller, repository, service)
  const forge = deps.localForge
  await forge.ensureRepository({
    id: repository.id,
    squadId: repository.squadId,
    name: repository.name,
    kind: 'local',
    url: null,
    defaultBranch: repository.defaultBranch,
    credentialSecret: null,
    github: null,
  })
  const protocol = c.req.header('git-protocol')
  // The token stays here: the backend learns who the user is (REMOTE_USER), never how they proved it.
  return runHttpBackend(
    {
      projectRoot: forge.root,
      pathInfo: `/${squadId}/${name}.git/${endpoint}`,
      query: endpoint === 'info/refs' ? `service=${service}` : '',
      method: c.req.method,
      contentType: c.req.header('content-type'),
      contentLength: c.req.header('content-length'),
      contentEncoding: c.req.header('content-encoding'),
      gitProtocol: protocol && /^[\w.=:,-]{1,200}$/.test(protocol) ? protocol : undefined,
      // Hooks and the reflog see the user's name; control characters have no place in a CGI variable.
      remoteUser: [...user.name].map((ch) => (ch < ' ' || ch === '\x7f' ? ' ' : ch)).join(''),
      remoteAddr: remoteAddress(c),
      body: c.req.method === 'POST' ? c.req.raw.body : null,
      signal: c.req.raw.signal,
      // A push runs the forge's pre-receive hook, which enforces what this pusher may update.
      env:
        service === 'git-receive-pack'
          ? pushPolicyEnv({
              hooksDir: await ensurePushHooks(forge.root),
              pusher,
              defaultBranch: repository.defaultBranch,
            })
          : undefined,
    },
    { onStderr: (text) => deps.logger.warn({ repository: repository.id, stderr: text }, 'git http-backend') },
  )
}

/**
 * Git smart HTTP at `/git/<squad id>/<name>.git/…`: clone, fetch and push of the local forge's
 * repositories, authenticated like the API (but a push always needs a token) and answered by
 * `git http-backend`; pushes follow the rules of forge/local/push-policy.ts. Mounted outside
 * /api, so the API's body limit does not cap pushes.
 */
export function mountGitHttp(app: Hono, deps: AppDeps) {
  app.all('/git/*', async (c) => {
    try {
      return await serveGit(c, deps)
    } catch (error) {
      const response = errorResponse(c, error)
      if (response.status === 401) response.headers.set('WWW-Authenticate', CHALLENGE)
      if (response.status >= 500) deps.logger.error({ err: error, path: c.req.path }, 'git request failed')
      return response
    }
  })
}
