import type { EventPayload } from '@agent-squad/contract'

type LogPayload = EventPayload<'log'>
type Listener = (text: string) => void

// stderr is not a warning: git writes its progress there, compilers their normal chatter. It is
// shown like stdout; yellow stays for the restart divider.
const colours = { stdout: '', stderr: '', system: '\x1b[36m' } as const

/**
 * Where a restarted server runs a step again from the start: a bar across the terminal (black on
 * yellow, erased to the line's end in that colour), so attempt 1's lines above it are never taken
 * for attempt 2's below it.
 */
const divider = (text: string) => `\x1b[1;30;43m ${text.replace(/\n+$/, '')} \x1b[K\x1b[0m\n`

/**
 * A log chunk as the terminal shows it: output as it came (stdout and stderr alike), the
 * pipeline's own notes in cyan, an attempt boundary as a divider.
 */
export const terminalText = (log: LogPayload) => {
  if (log.boundary) return divider(log.text)
  const colour = colours[log.stream]
  return colour ? `${colour}${log.text}\x1b[0m` : log.text
}

/**
 * The log of one execution as it arrives: every chunk is kept, so a terminal that opens late (or
 * again) is handed everything before it gets new chunks. Chunks bypass React entirely.
 */
export class LogSink {
  private readonly chunks: string[] = []
  private readonly listeners = new Set<Listener>()
  private chars = 0
  private atLineStart = true

  push(log: LogPayload) {
    // A divider starts on a line of its own, even after output that a crash cut mid-line.
    const text = (log.boundary && !this.atLineStart ? '\n' : '') + terminalText(log)
    if (log.text) this.atLineStart = log.text.endsWith('\n')
    this.chunks.push(text)
    this.chars += log.text.length
    for (const listener of this.listeners) listener(text)
  }

  /** Characters of log text received (colours not counted). */
  get receivedChars() {
    return this.chars
  }

  subscribe(listener: Listener): () => void {
    if (this.chunks.length) listener(this.chunks.join(''))
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
