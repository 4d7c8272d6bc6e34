/**
 * A line as a terminal ends up showing it: carriage-return updates (git's "Receiving objects: 45%"
 * printed over and over on one line) collapse to the last state. A line ending `\r\n` is a line
 * end, not an update; a line still being written that ends in `\r` keeps it, so the next update
 * still overwrites it on screen.
 */
export function lastState(line: string): string {
  const end = line.endsWith('\r\n') ? '\r\n' : line.endsWith('\n') ? '\n' : line.endsWith('\r') ? '\r' : ''
  const body = line.slice(0, line.length - end.length)
  if (!body.includes('\r')) return line
  const segments = body.split('\r')
  const last = segments.findLast((segment) => segment !== '') ?? ''
  return last + end
}

/**
 * Cuts one stream's output into whole lines, each at its last state (see lastState), holding back
 * the line still being written: so the output of two streams never meets in the middle of a line,
 * and the hundreds of progress updates of a clone are stored as the one line they end as.
 */
export class LineAssembler {
  #partial = ''
  readonly #maxPartial: number
  readonly #map: (line: string) => string

  /** `maxPartial`: a line longer than this is let through unfinished (output without newlines). */
  constructor(options: { maxPartial: number; map?: (text: string) => string }) {
    this.#maxPartial = options.maxPartial
    this.#map = options.map ?? ((text) => text)
  }

  /** The whole lines `text` completes; the rest waits for its newline (or `take`). */
  push(text: string): string {
    if (!text) return ''
    const buffer = this.#partial + text
    const cut = buffer.lastIndexOf('\n') + 1
    this.#partial = lastState(buffer.slice(cut))
    const whole = (buffer.slice(0, cut).match(/[^\n]*\n/g) ?? []).map(lastState).join('')
    if (this.#partial.length >= this.#maxPartial) return this.#map(whole) + this.take()
    return this.#map(whole)
  }

  /** The line still being written, as it stands; the next output continues it on screen. */
  take(): string {
    const partial = this.#partial
    this.#partial = ''
    return this.#map(partial)
  }

  get pending(): boolean {
    return this.#partial !== ''
  }
}
