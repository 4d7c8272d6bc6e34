import { randomBytes } from 'node:crypto'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { routePath } from 'hono/route'
import { AppError } from '../domain/errors.ts'
import { methodLabel } from '../observability/metrics.ts'
import { WEBHOOK_MAX_BODY_BYTES } from '../webhooks/receive-github-webhook.ts'
import { authenticate, tokenOf } from './authenticate.ts'
import { mountBackup } from './backup-route.ts'
import type { AppDeps } from './deps.ts'
import { errorResponse } from './errors.ts'
import { mountExecutionLog } from './execution-log.ts'
import { mountGitHttp } from './git-http.ts'
import { mountRoutes } from './mount-routes.ts'
import { buildOpenApi } from './openapi.ts'
import type { AnyRoute } from './route.ts'
import { agentRoutes } from './routes/agents.ts'
import { authRoutes } from './routes/auth.ts'
import { executionRoutes } from './routes/executions.ts'
import { pullRequestRoutes } from './routes/pull-requests.ts'
import { repositoryRoutes } from './routes/repositories.ts'
import { reviewRoutes } from './routes/reviews.ts'
import { secretRoutes } from './routes/secrets.ts'
import { squadRoutes } from './routes/squads.ts'
import { systemRoutes } from './routes/system.ts'
import { taskRoutes } from './routes/tasks.ts'
import { GITHUB_WEBHOOK_PATH, webhookRoutes } from './routes/webhooks.ts'
import { mountSse } from './sse.ts'
import { mountStatic } from './static.ts'

/** Every REST operation, in the order the OpenAPI document lists them. */
export const apiRoutes: AnyRoute[] = [
  ...systemRoutes,
  ...authRoutes,
  ...squadRoutes,
  ...agentRoutes,
  ...repositoryRoutes,
  ...secretRoutes,
  ...taskRoutes,
  ...executionRoutes,
  ...reviewRoutes,
  ...pullRequestRoutes,
  ...webhookRoutes,
]

export function createApp(deps: AppDeps) {
  const app = new Hono()
  const requestIds = new WeakMap<Request, string>()

  app.use('*', async (c, next) => {
    const start = performance.now()
    // Every answer carries a request id (the caller's X-Request-Id when it sends a sane one), and a
    // failure's log line names it, so that a complaint and the server's console meet.
    const given = c.req.header('x-request-id')
    const requestId = given && /^[\w.:-]{1,64}$/.test(given) ? given : randomBytes(6).toString('hex')
    requestIds.set(c.req.raw, requestId)
    // Set before the handler, so that every response built through the context carries it; set
    // after, it would rebuild responses that must stay as they are (git's, written to the socket).
    c.header('x-request-id', requestId)
    await next()
    const route = routePath(c)
    const ms = performance.now() - start
    const method = methodLabel(c.req.method)
    deps.metrics.httpRequests.inc({ method, route, status: String(c.res.status) })
    deps.metrics.httpDuration.observe({ method, route }, ms / 1000)
    deps.logger.debug(
      { request_id: requestId, status: c.res.status, ms: Math.round(ms) },
      `${c.req.method} ${c.req.path}`,
    )
  })

  // Git pushes stream packs of any size: the git endpoints come before, and outside, the body limit.
  mountGitHttp(app, deps)

  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: (c) =>
        errorResponse(c, new AppError('payload_too_large', `Request body is larger than ${maxSize} bytes`)),
    })
  // GitHub's deliveries have a limit of their own (their payloads are GitHub's, not our users').
  const webhookPath = `/api/v1${GITHUB_WEBHOOK_PATH}`
  const apiLimit = limit(deps.config.SQUAD_MAX_BODY_BYTES)
  app.use('/api/*', (c, next) => (c.req.path === webhookPath ? next() : apiLimit(c, next)))
  app.use(webhookPath, limit(WEBHOOK_MAX_BODY_BYTES))

  const openapi = buildOpenApi(apiRoutes, { version: deps.version })
  app.get('/api/v1/openapi.json', (c) => c.json(openapi))
  app.get('/metrics', async (c) => {
    // An admin's token, in every auth mode: with auth off, a request without one would be anyone on
    // this machine, a sandboxed agent included, and the metrics describe every squad's work.
    const user = tokenOf(c) ? await authenticate(c, deps) : null
    if (!user)
      throw new AppError(
        'unauthorized',
        '/metrics needs an admin token, even with auth off: send "Authorization: Bearer <token>"',
      )
    if (!user.isAdmin) throw new AppError('forbidden', '/metrics is for admins only')
    const text = await deps.metrics.registry.metrics()
    return c.text(text, 200, { 'content-type': deps.metrics.registry.contentType })
  })

  mountBackup(app, deps)
  mountSse(app, deps)
  mountExecutionLog(app, deps)
  mountRoutes(app, apiRoutes, deps)
  mountStatic(app) // the web app at `/`, last so it never shadows /api, /git or /metrics

  app.notFound((c) =>
    errorResponse(c, new AppError('not_found', `No route for ${c.req.method} ${c.req.path}`)),
  )
  app.onError((error, c) => {
    const response = errorResponse(c, error)
    if (response.status >= 500)
      deps.logger.error(
        { err: error, request_id: requestIds.get(c.req.raw), method: c.req.method, path: c.req.path },
        'request failed',
      )
    return response
  })
  return app
}
