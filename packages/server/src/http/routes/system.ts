import { Health } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import { defineRoute } from '../route.ts'

export const systemRoutes = [
  defineRoute({
    method: 'get',
    path: '/health',
    tag: 'system',
    summary: 'Liveness and database reachability',
    access: 'public',
    response: Health,
    handler: async ({ deps, c }) => {
      const start = performance.now()
      let reachable = true
      try {
        await deps.database.db.execute(sql`select 1`)
      } catch {
        reachable = false
      }
      const health = {
        status: reachable ? ('ok' as const) : ('degraded' as const),
        version: deps.version,
        uptime_s: Math.round((Date.now() - deps.startedAt) / 100) / 10,
        database: {
          kind: deps.database.kind,
          reachable,
          latency_ms: Math.round((performance.now() - start) * 100) / 100,
        },
      }
      // A Response of its own: the route's declared status (200) would win over c.status().
      if (!reachable) return c.json(health, 503)
      return health
    },
  }),
]
