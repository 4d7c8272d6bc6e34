import type { VendorCallObserver } from '../../../observability/vendor-calls.ts'
import { apiErrorOf } from './model-errors.ts'

/**
 * Runs one model call (one attempt) and tells `onCall` how it ended: answered, rate limited (429),
 * or failed. A call stopped because the run was cancelled or timed out is the run's doing, not the
 * vendor's, and is not counted.
 */
export async function observeModelCall<T>(
  call: () => Promise<T>,
  options: { vendor: string; signal: AbortSignal; onCall: VendorCallObserver | undefined },
): Promise<T> {
  const { onCall } = options
  if (!onCall) return call()
  const started = performance.now()
  const seconds = () => (performance.now() - started) / 1000
  try {
    const value = await call()
    onCall({ vendor: options.vendor, outcome: 'ok', seconds: seconds() })
    return value
  } catch (error) {
    if (!options.signal.aborted) {
      const outcome = apiErrorOf(error)?.statusCode === 429 ? 'rate_limited' : 'error'
      onCall({ vendor: options.vendor, outcome, seconds: seconds() })
    }
    throw error
  }
}
