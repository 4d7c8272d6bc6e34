/**
 * Turns output that arrives in arbitrary chunks into whole lines: a line split across chunks is
 * held until its newline (or `end()`). A line longer than `maxLineChars` is passed on in pieces
 * rather than held without limit. Carriage returns before a newline are dropped.
 */
export function createLineSplitter(onLine: (line: string) => void, maxLineChars = 8 * 1024 * 1024) {
  let held = ''
  const emit = (line: string) => onLine(line.endsWith('\r') ? line.slice(0, -1) : line)
  return {
    push(chunk: string) {
      let text = held + chunk
      let newline = text.indexOf('\n')
      while (newline !== -1) {
        emit(text.slice(0, newline))
        text = text.slice(newline + 1)
        newline = text.indexOf('\n')
      }
      while (text.length > maxLineChars) {
        emit(text.slice(0, maxLineChars))
        text = text.slice(maxLineChars)
      }
      held = text
    },
    /** Passes on a last line that had no newline. */
    end() {
      if (held) emit(held)
      held = ''
    },
  }
}
