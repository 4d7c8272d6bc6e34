type Timer = { cancel(): void }

/** The next animation frame; in a hidden tab (where frames stop) a short timer instead. */
function nextTick(fn: () => void): Timer {
  const hidden = typeof document !== 'undefined' && document.visibilityState === 'hidden'
  if (typeof requestAnimationFrame === 'function' && !hidden) {
    const id = requestAnimationFrame(() => fn())
    return { cancel: () => cancelAnimationFrame(id) }
  }
  const id = setTimeout(fn, hidden ? 100 : 16)
  return { cancel: () => clearTimeout(id) }
}

/**
 * Collects items and hands them over in one batch per animation frame, so a burst of events (a
 * replay after connecting) costs one render instead of one per event. A tab in the background
 * still takes its batches, a few per second, so it is current when it comes back.
 */
export function createFrameBatcher<T>(flush: (items: T[]) => void) {
  let pending: T[] = []
  let frame: Timer | null = null

  const run = () => {
    frame = null
    const items = pending
    pending = []
    if (items.length) flush(items)
  }
  return {
    push(item: T) {
      pending.push(item)
      frame ??= nextTick(run)
    },
    /** Hands over what is waiting now. */
    flushNow: run,
    dispose() {
      frame?.cancel()
      frame = null
      pending = []
    },
  }
}
