import type { ExecutionRow } from '../find-owned-execution.ts'

/**
 * How long a just-claimed execution waited in the queue, or null when the claim resumed one (its
 * wait was counted when it was first claimed). The claim sets `started_at` only when it is empty and
 * sets the lease from the same clock in the same statement, so a first claim has
 * `lease_expires_at − started_at` equal to the lease (to the microsecond); a resumed execution's
 * `started_at` is from an earlier claim. Both times come from the database's clock, so a host
 * clock that differs from it changes nothing.
 */
export function queueWaitSeconds(
  row: Pick<ExecutionRow, 'queuedAt' | 'startedAt' | 'leaseExpiresAt'>,
  leaseMs: number,
) {
  if (!row.startedAt || !row.leaseExpiresAt) return null
  const sinceStart = row.leaseExpiresAt.getTime() - row.startedAt.getTime()
  if (sinceStart > leaseMs + 1000) return null
  return Math.max(0, (row.startedAt.getTime() - row.queuedAt.getTime()) / 1000)
}
