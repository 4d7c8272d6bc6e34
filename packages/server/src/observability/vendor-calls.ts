/** How one call to a vendor's API ended: answered, failed, or refused for its rate limit (429, GitHub's 403 limits). */
export type VendorCallOutcome = 'ok' | 'error' | 'rate_limited'

/**
 * Told of every call an adapter makes to a vendor's API (each attempt, retries included). The
 * adapters take this function, not the metrics, so that they stay below the observability layer.
 */
export type VendorCallObserver = (call: {
  vendor: string
  outcome: VendorCallOutcome
  seconds: number
}) => void
