import { createHash, randomBytes } from 'node:crypto'
import { type Caller, checkRepoAccess, isDenied, resolveCaller } from './auth.ts'
import { type Core, type Ctx, type Handlers, HttpError, type Reply, str } from './core.ts'
import { alternativeNeed, NEEDS } from './needs.ts'
import type { Operation } from './openapi-operations.ts'
import { paginate } from './paginate.ts'
import { rateHeaders, rateLimitAnswer } from './rate-limit.ts'
import type { OperationId } from './served-operations.ts'

// The REST API under /api/v3: route by GitHub's description, authenticate, apply the test's knobs,
// validate the request, run the handler, page the list, validate the response, add GitHub's headers.

export type ApiRequest = {
  method: string
  path: string
  query: URLSearchParams
  headers: Record<string, string | undefined>
  body: Buffer
}
export type ApiResponse = { status: number; headers: Record<string, string>; body: string }

const JSON_TYPE = 'application/json; charset=utf-8'

function requestId(): string {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase()
  return [hex(2), hex(2), hex(3), hex(3), hex(4)].join(':')
}

function errorBody(error: HttpError, operation: Operation | null) {
  return {
    message: error.message,
    documentation_url:
      error.documentationUrl ?? (operation?.documentationUrl || 'https://docs.github.com/rest'),
    ...(error.errors ? { errors: error.errors } : {}),
    status: String(error.status),
  }
}

export async function handleApi(core: Core, handlers: Handlers, request: ApiRequest): Promise<ApiResponse> {
  const id = requestId()
  const matched = core.catalog.match(request.method, request.path)
  const operation = matched?.operation ?? null
  const authorization = request.headers.authorization
  const resolved = resolveCaller(core.state, authorization)
  const caller: Caller | null = isDenied(resolved) ? null : resolved
  const headers: Record<string, string> = {
    'content-type': JSON_TYPE,
    'x-github-request-id': id,
    'x-github-api-version-selected': '2022-11-28',
  }
  Object.assign(headers, rateHeaders(core, caller, authorization))
  const finish = (reply: Reply): ApiResponse => {
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body)
    const all = { ...headers, ...reply.headers }
    let status = reply.status
    if (request.method === 'GET' && status === 200) {
      all.etag = `W/"${createHash('sha256').update(text).digest('hex')}"`
      if (request.headers['if-none-match'] === all.etag) status = 304
    }
    core.requests.push({
      method: request.method,
      path: request.path,
      operationId: operation?.operationId ?? null,
      status,
      tokenKind: caller?.kind ?? 'invalid',
      at: new Date(),
    })
    return { status, headers: all, body: status === 304 || status === 204 ? '' : text }
  }
  const fail = (error: HttpError) =>
    finish({ status: error.status, body: errorBody(error, operation), headers: error.headers })

  if (!matched || !operation) {
    core.violations.push({
      operationId: `${request.method} ${request.path}`,
      phase: 'request',
      problems: ['no served operation has this method and path'],
    })
    return fail(new HttpError(404, 'Not Found'))
  }
  if (isDenied(resolved)) return fail(new HttpError(resolved.status, resolved.message))
  const limited = rateLimitAnswer(core, resolved, id)
  if (limited) return fail(limited)
  const failure = core.knobs.failures.get(operation.operationId)?.shift()
  if (failure) {
    const body = failure.body ?? errorBody(new HttpError(failure.status, 'Injected failure'), operation)
    return finish({ status: failure.status, body })
  }

  let body: unknown
  if (request.body.length > 0) {
    try {
      body = JSON.parse(request.body.toString('utf8'))
    } catch {
      return fail(new HttpError(400, 'Problems parsing JSON'))
    }
  }
  const checked = core.catalog.checkRequest(operation, { path: matched.params, query: request.query, body })
  if (checked.problems.length > 0) {
    core.violations.push({ operationId: operation.operationId, phase: 'request', problems: checked.problems })
    return fail(new HttpError(422, `Invalid request.\n\n${checked.problems.join('\n')}`))
  }
  const handler = handlers[operation.operationId as OperationId]
  if (!handler) return fail(new HttpError(404, 'Not Found'))
  const ctx: Ctx = {
    core,
    caller: resolved,
    operationId: operation.operationId as OperationId,
    path: checked.path,
    query: checked.query,
    body:
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {},
    rawBody: body,
    repo: () => repoFor(core, resolved, operation.operationId as OperationId, checked.path),
  }
  let reply: Reply
  try {
    reply = await handler(ctx)
  } catch (error) {
    if (error instanceof HttpError) return fail(error)
    throw error
  }
  if (reply.list) {
    const page = paginate(reply.list, checked.query, `${core.urls.api}${request.path}`, request.query)
    reply = { ...reply, body: page.items, headers: { ...reply.headers, ...page.headers } }
  }
  const problems = core.catalog.checkResponse(operation, reply.status, reply.body)
  if (problems.length > 0)
    core.violations.push({ operationId: operation.operationId, phase: 'response', problems })
  return finish(reply)
}

function repoFor(core: Core, caller: Caller, operationId: OperationId, path: Record<string, unknown>) {
  const repo = core.state.repo(`${str(path.owner)}/${str(path.repo)}`)
  if (!repo) throw new HttpError(404, 'Not Found')
  const need = NEEDS[operationId]
  if (!need) throw new Error(`no permission need declared for ${operationId} (needs.ts)`)
  let access = checkRepoAccess(core.state, caller, repo, need)
  const other = alternativeNeed(need)
  if (isDenied(access) && access.status === 403 && other)
    access = checkRepoAccess(core.state, caller, repo, other)
  if (isDenied(access)) throw new HttpError(access.status, access.message)
  return { repo, role: access }
}
