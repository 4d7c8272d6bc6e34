/** A connection a sandbox's network policy refused, with the sandbox's metadata (its execution). */
export type BlockedConnection = {
  sandboxId: string
  metadata: Record<string, string>
  host: string
  port: number
  reason: string
}

/**
 * Carries refused connections from the sandbox provider (which sees them) to whoever runs the
 * execution the sandbox belongs to (which can tell the person): by the `execution_id` in the
 * sandbox's metadata. Reports for an execution nobody watches are dropped.
 */
export type BlockedConnections = {
  report(blocked: BlockedConnection): void
  watch(executionId: string, listener: (blocked: BlockedConnection) => void): () => void
}

export function createBlockedConnections(): BlockedConnections {
  const listeners = new Map<string, Set<(blocked: BlockedConnection) => void>>()
  return {
    report(blocked) {
      const executionId = blocked.metadata.execution_id
      for (const listener of (executionId && listeners.get(executionId)) || [])
        try {
          listener(blocked)
        } catch {}
    },
    watch(executionId, listener) {
      const set = listeners.get(executionId) ?? new Set()
      listeners.set(executionId, set)
      set.add(listener)
      return () => {
        set.delete(listener)
        if (set.size === 0 && listeners.get(executionId) === set) listeners.delete(executionId)
      }
    },
  }
}
