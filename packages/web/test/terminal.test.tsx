import { act, cleanup, render } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { LogSink, terminalText } from '../src/features/work/log-sink.ts'
import { TerminalPanel } from '../src/features/work/TerminalPanel.tsx'
import { type TerminalLike, TerminalWriter } from '../src/features/work/terminal-writer.ts'

/** A terminal that records writes and acknowledges them only when the test says so. */
function fakeTerminal() {
  const writes: string[] = []
  const pending: (() => void)[] = []
  const terminal: TerminalLike = {
    write(data, callback) {
      writes.push(data)
      if (callback) pending.push(callback)
    },
  }
  return { terminal, writes, ack: () => pending.shift()?.() }
}

/** Frames that run only when the test calls `frame()`. */
function manualFrames() {
  const queue: (() => void)[] = []
  return {
    schedule: (fn: () => void) => queue.push(fn),
    frame: () => {
      for (const fn of queue.splice(0)) fn()
    },
    queued: () => queue.length,
  }
}

describe('TerminalWriter', () => {
  it('joins everything that arrives within a frame into one write', () => {
    const { terminal, writes } = fakeTerminal()
    const frames = manualFrames()
    const writer = new TerminalWriter(terminal, { schedule: frames.schedule })
    for (let i = 1; i <= 100; i++) writer.push(`line ${i}\n`)
    expect(writes).toEqual([])
    expect(frames.queued()).toBe(1)
    frames.frame()
    expect(writes).toHaveLength(1)
    expect(writes[0]?.split('\n')).toHaveLength(101)
  })

  it('hands over at most a frame’s worth in small writes, and waits for the terminal before the next frame', () => {
    const { terminal, writes, ack } = fakeTerminal()
    const frames = manualFrames()
    const writer = new TerminalWriter(terminal, {
      schedule: frames.schedule,
      maxFrameChars: 10,
      maxWriteChars: 4,
    })
    writer.push('abcdefg')
    writer.push('hijklmnopqrstuvwxy')
    frames.frame()
    expect(writes).toEqual(['abcd', 'efgh', 'ij'])
    writer.push('z')
    frames.frame()
    expect(writes).toHaveLength(3) // the terminal is still parsing the first frame's writes
    ack()
    frames.frame()
    expect(writes.slice(3)).toEqual(['klmn', 'opqr', 'st'])
    ack()
    frames.frame()
    ack()
    expect(writes.join('')).toBe('abcdefghijklmnopqrstuvwxyz')
    expect(writer.writtenChars).toBe(26)
    expect(writer.pendingChars).toBe(0)
  })

  it('resolves idle() once everything has been written', async () => {
    const { terminal, ack } = fakeTerminal()
    const frames = manualFrames()
    const writer = new TerminalWriter(terminal, { schedule: frames.schedule })
    writer.push('hello\n')
    let idle = false
    const done = writer.idle().then(() => {
      idle = true
    })
    frames.frame()
    await Promise.resolve()
    expect(idle).toBe(false)
    ack()
    await done
    expect(idle).toBe(true)
  })
})

describe('LogSink', () => {
  it('hands a late subscriber everything so far, then each new chunk once', () => {
    const sink = new LogSink()
    sink.push({ stream: 'stdout', step: 'agent', text: 'one\n' })
    sink.push({ stream: 'stderr', step: 'agent', text: 'two\n' })
    const seen: string[] = []
    sink.subscribe((text) => seen.push(text))
    sink.push({ stream: 'system', step: null, text: 'three\n' })
    expect(seen).toEqual([
      `one\n${terminalText({ stream: 'stderr', step: 'agent', text: 'two\n' })}`,
      '\x1b[36mthree\n\x1b[0m',
    ])
    expect(sink.receivedChars).toBe(14)
  })
})

describe('TerminalPanel', () => {
  afterEach(cleanup)

  it('shows the whole log in xterm.js, old and new output, each line once', async () => {
    const sink = new LogSink()
    for (let i = 1; i <= 50; i++) sink.push({ stream: 'stdout', step: 'agent', text: `line ${i}\n` })
    render(<TerminalPanel log={sink} hidden={false} />)
    for (let i = 51; i <= 80; i++) sink.push({ stream: 'stdout', step: 'agent', text: `line ${i}\n` })
    const probe = () => window.__squad?.terminal
    await act(async () => {
      const total = Array.from({ length: 80 }, (_, i) => `line ${i + 1}\n`).join('').length
      for (let tries = 0; tries < 100 && (probe()?.writtenChars() ?? 0) < total; tries++)
        await new Promise((r) => setTimeout(r, 20))
    })
    const lines = (probe()?.text() ?? '').split('\n').filter((l) => l.startsWith('line '))
    expect(lines).toEqual(Array.from({ length: 80 }, (_, i) => `line ${i + 1}`))
  })
})
