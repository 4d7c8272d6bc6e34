import type { Hono } from 'hono'
import { authenticate } from './authenticate.ts'
import type { AppDeps } from './deps.ts'
import { type AnyRoute, parseBody, parseParams, parseQuery } from './route.ts'

/** Registers each route on the app: authenticate, validate, call the handler, shape the response. */
export function mountRoutes(app: Hono, routes: AnyRoute[], deps: AppDeps, prefix = '/api/v1') {
  for (const route of routes) {
    app.on(route.method.toUpperCase(), `${prefix}${route.path}`, async (c) => {
      const user = route.access === 'public' ? deps.localUser : await authenticate(c, deps)
      const params = parseParams(route, c.req.param() as Record<string, string>)
      const query = parseQuery(route, c)
      const body = await parseBody(route, c)
      const result = await route.handler({ params, query, body, user, deps, c })
      // A handler that shapes its own response (a cached body, a 304) returns it whole.
      if (result instanceof Response) return result
      const status = route.status ?? 200
      if (status === 204 || !route.response) return c.body(null, 204)
      if (deps.config.SQUAD_VALIDATE_RESPONSES) {
        const checked = route.response.safeParse(result)
        if (!checked.success) {
          deps.logger.error(
            { route: route.path, issues: checked.error.issues },
            'response does not match its schema',
          )
          throw new Error(`response of ${route.method} ${route.path} does not match its schema`)
        }
      }
      // A handler may set a different status (health answers 503 when the database is down).
      return c.json(result, (c.res.status !== 200 ? c.res.status : status) as 200)
    })
  }
}
