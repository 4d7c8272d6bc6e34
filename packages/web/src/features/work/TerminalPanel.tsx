import '@xterm/xterm/css/xterm.css'
import { FitAddon } from '@xterm/addon-fit'
import { Terminal } from '@xterm/xterm'
import { useEffect, useRef } from 'react'
import { debugHandles } from '../../shared/debug.ts'
import type { LogSink } from './log-sink.ts'
import { TerminalWriter } from './terminal-writer.ts'

/** What tests and benchmarks may read of the terminal. */
export type TerminalProbe = {
  writtenChars: () => number
  pendingChars: () => number
  text: () => string
  /**
   * Each row of the buffer: its text and the background of its last cell (a palette index, -1 for
   * the default), which tells a divider (coloured to the row's end) from ordinary output.
   */
  rows: () => { text: string; background: number }[]
}

/**
 * Fewer columns than this and the terminal scrolls sideways instead of narrowing: on a phone a
 * path or a compiler's message keeps its line instead of breaking mid-word every 40 characters.
 */
const MIN_COLUMNS = 80

const theme = {
  background: '#0d1117',
  foreground: '#d6dde6',
  cursor: '#0d1117',
  red: '#ff7b72',
  yellow: '#e3b341',
  cyan: '#56d4dd',
  selectionBackground: '#264f78',
}

/**
 * The execution's output in xterm.js. It stays mounted while other tabs are shown (hidden), so a
 * long log is parsed once; new output is written in batches by TerminalWriter.
 */
export function TerminalPanel({ log, hidden }: { log: LogSink; hidden: boolean }) {
  const host = useRef<HTMLDivElement>(null)
  const fitRef = useRef<{ fit: () => void } | null>(null)

  useEffect(() => {
    const element = host.current
    if (!element) return
    const terminal = new Terminal({
      convertEol: true,
      disableStdin: true,
      cursorInactiveStyle: 'none',
      scrollback: 20_000,
      fontSize: 13,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace',
      theme,
    })
    const fit = new FitAddon()
    terminal.loadAddon(fit)
    terminal.open(element)
    const refit = () => {
      if (element.offsetParent === null) return
      const size = fit.proposeDimensions()
      if (!size || Number.isNaN(size.cols) || Number.isNaN(size.rows)) return
      const cols = Math.max(MIN_COLUMNS, size.cols)
      if (cols !== terminal.cols || size.rows !== terminal.rows) terminal.resize(cols, size.rows)
    }
    fitRef.current = { fit: refit }
    refit()
    const writer = new TerminalWriter(terminal)
    const unsubscribe = log.subscribe((text) => writer.push(text))
    let frame = 0
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(refit)
    })
    observer.observe(element)
    const debug = debugHandles()
    debug.terminal = {
      writtenChars: () => writer.writtenChars,
      pendingChars: () => writer.pendingChars,
      text: () => {
        const buffer = terminal.buffer.active
        const lines: string[] = []
        for (let i = 0; i < buffer.length; i++) {
          const line = buffer.getLine(i)
          if (!line) continue
          if (line.isWrapped && lines.length) lines[lines.length - 1] += line.translateToString(true)
          else lines.push(line.translateToString(true))
        }
        return lines.join('\n')
      },
      rows: () => {
        const buffer = terminal.buffer.active
        const rows: { text: string; background: number }[] = []
        for (let i = 0; i < buffer.length; i++) {
          const line = buffer.getLine(i)
          const last = line?.getCell(terminal.cols - 1)
          if (!line || !last) continue
          rows.push({
            text: line.translateToString(true),
            background: last.isBgPalette() ? last.getBgColor() : -1,
          })
        }
        return rows
      },
    }
    return () => {
      observer.disconnect()
      cancelAnimationFrame(frame)
      unsubscribe()
      writer.dispose()
      terminal.dispose()
      fitRef.current = null
      if (window.__squad) window.__squad.terminal = undefined
    }
  }, [log])

  useEffect(() => {
    if (!hidden) requestAnimationFrame(() => fitRef.current?.fit())
  }, [hidden])

  return <div className="terminal" ref={host} hidden={hidden} data-testid="terminal" />
}
