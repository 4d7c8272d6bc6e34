import { z } from 'zod'

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  uptime_s: z.number(),
  database: z.object({
    kind: z.enum(['pglite', 'postgres']),
    reachable: z.boolean(),
    latency_ms: z.number(),
  }),
})
export type Health = z.infer<typeof Health>
