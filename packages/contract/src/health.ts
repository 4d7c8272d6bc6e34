import { z } from 'zod'

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  /** Why the server is degraded (the database's error, or that it did not answer in time); absent when ok. */
  reason: z.string().optional(),
  version: z.string(),
  uptime_s: z.number(),
  database: z.object({
    kind: z.enum(['pglite', 'postgres']),
    reachable: z.boolean(),
    latency_ms: z.number(),
  }),
})
export type Health = z.infer<typeof Health>
