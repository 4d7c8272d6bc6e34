import { Health } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import type { AppDeps } from '../deps.ts'
import { defineRoute } from '../route.ts'

/** A health check must answer even when the database hangs instead of refusing (a pool waiting on a dead peer). */
const PROBE_TIMEOUT_MS = 2000

/**
 * The driver's error code (ECONNREFUSED, 57P01 for a terminated connection, …): /health is public, so
 * it names what happened without the message, which may carry the database's host or user.
 */
const errorCodeOf = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[A-Z0-9_]{1,32}$/.test(code) ? code : 'query failed'
}

/** Null when the database answers `select 1` in time, else why not, in words an operator can act on. */
async function probeDatabase(deps: AppDeps): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`the database did not answer within ${PROBE_TIMEOUT_MS / 1000} s`),
      PROBE_TIMEOUT_MS,
    )
  })
  const probe = deps.database.db.execute(sql`select 1`).then(
    () => null,
    (error: unknown) => `the database is unreachable (${errorCodeOf(error)})`,
  )
  try {
    return await Promise.race([probe, timeout])
  } finally {
    clearTimeout(timer)
  }
}

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
      const reason = await probeDatabase(deps)
      const reachable = reason === null
      const health = {
        status: reachable ? ('ok' as const) : ('degraded' as const),
        ...(reason ? { reason } : {}),
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
