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

  it('shows a restart boundary as a divider on a line of its own', () => {
    const sink = new LogSink()
    const seen: string[] = []
    sink.subscribe((text) => seen.push(text))
    sink.push({ stream: 'stdout', step: 'agent', attempt: 1, text: 'cut in the mid' })
    sink.push({ stream: 'system', step: 'agent', attempt: 2, boundary: 'restart', text: restart })
    expect(seen[1]).toBe(`\n\x1b[1;30;43m ${restart.trim()} \x1b[K\x1b[0m\n`)
  })
})

const restart = '— the server restarted; the agent step runs again from the start (attempt 2) —\n'

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

  it('draws the boundary between two attempts of a step as a bar across the terminal', async () => {
    const sink = new LogSink()
    for (let i = 1; i <= 3; i++)
      sink.push({ stream: 'stdout', step: 'agent', attempt: 1, text: `line ${i}\n` })
    sink.push({ stream: 'system', step: null, text: 'Resumed: re-attached to sandbox sbx-1\n' })
    sink.push({ stream: 'system', step: 'agent', attempt: 2, boundary: 'restart', text: restart })
    for (let i = 1; i <= 5; i++)
      sink.push({ stream: 'stdout', step: 'agent', attempt: 2, text: `line ${i}\n` })
    render(<TerminalPanel log={sink} hidden={false} />)
    const probe = () => window.__squad?.terminal
    await act(async () => {
      for (let tries = 0; tries < 100 && (probe()?.writtenChars() ?? 0) === 0; tries++)
        await new Promise((r) => setTimeout(r, 20))
    })
    const rows = (probe()?.rows() ?? []).filter((row) => row.text)
    expect(rows.map((row) => row.text.trim())).toEqual([
      'line 1',
      'line 2',
      'line 3',
      'Resumed: re-attached to sandbox sbx-1',
      restart.trim(),
      'line 1',
      'line 2',
      'line 3',
      'line 4',
      'line 5',
    ])
    // Only the divider is coloured, and to the end of its row (yellow is palette colour 3).
    expect(rows.map((row) => row.background)).toEqual([-1, -1, -1, -1, 3, -1, -1, -1, -1, -1])
  })
})
