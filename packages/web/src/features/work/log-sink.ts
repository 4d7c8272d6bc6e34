import type { EventPayload } from '@agent-squad/contract'

type LogPayload = EventPayload<'log'>
type Listener = (text: string) => void

const colours = { stdout: '', stderr: '\x1b[33m', system: '\x1b[36m' } as const

/** A log chunk as the terminal shows it: stderr in yellow (git reports progress there), the pipeline's own notes in cyan. */
export const terminalText = (log: LogPayload) => {
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

  push(log: LogPayload) {
    const text = terminalText(log)
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
