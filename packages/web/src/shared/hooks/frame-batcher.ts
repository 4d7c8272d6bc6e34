/**
 * Collects items and hands them over in one batch per animation frame, so a burst of events (a
 * replay after connecting) costs one render instead of one per event.
 */
export function createFrameBatcher<T>(flush: (items: T[]) => void) {
  let pending: T[] = []
  let frame: number | null = null
  const schedule =
    typeof requestAnimationFrame === 'function'
      ? (fn: () => void) => requestAnimationFrame(fn)
      : (fn: () => void) => setTimeout(fn, 16) as unknown as number
  const cancel =
    typeof cancelAnimationFrame === 'function'
      ? (id: number) => cancelAnimationFrame(id)
      : (id: number) => clearTimeout(id)

  const run = () => {
    frame = null
    const items = pending
    pending = []
    if (items.length) flush(items)
  }
  return {
    push(item: T) {
      pending.push(item)
      frame ??= schedule(run)
    },
    /** Hands over what is waiting now. */
    flushNow: run,
    dispose() {
      if (frame !== null) cancel(frame)
      frame = null
      pending = []
    },
  }
}
