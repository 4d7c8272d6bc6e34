// A child process holding many SSE connections for bench/sse-fanout.ts. It records, for every event
// id, when each connection received it (on the monotonic clock the parent also uses), and answers the
// parent's messages over IPC. Run only through `fork()`; it exits when the parent disconnects.

import http from 'node:http'
import { nowMs } from './clock.ts'

export type LoadRequest =
  | { type: 'connect'; url: string; count: number; headers: Record<string, string> }
  | { type: 'expect'; id: number; timeoutMs: number }
  | { type: 'collect' }
  | { type: 'close' }

export type LoadReply =
  | { type: 'connected'; ok: number; failed: number; error: string | null }
  | { type: 'expected'; allReached: boolean; lastAt: number; behind: number }
  | { type: 'collected'; receipts: Array<[number, number[]]> }
  | { type: 'closed' }

type Connection = { lastId: number; request: http.ClientRequest }

const CONNECT_TIMEOUT_MS = 15_000
const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY })
const connections = new Set<Connection>()
let receipts = new Map<number, number[]>()
let waiting: { id: number; remaining: number; lastAt: number; done: () => void } | null = null

function record(connection: Connection, id: number, at: number) {
  let times = receipts.get(id)
  if (!times) {
    times = []
    receipts.set(id, times)
  }
  times.push(at)
  const before = connection.lastId
  connection.lastId = id
  if (waiting && before < waiting.id && id >= waiting.id) {
    waiting.lastAt = at
    if (--waiting.remaining === 0) waiting.done()
  }
}

const FLOOR_PREFIX = 'data: [{"id":'

/**
 * The event id of the frame at the start of `buffer`: ours start with `id: 12\n`; the floor's carry
 * the raw NOTIFY payload, `data: [{"id":12,...` (or `data: 12` when it was too big to carry events).
 */
function idOf(buffer: string): number {
  if (buffer.startsWith('id: ')) return Number.parseInt(buffer.slice(4, 24), 10)
  if (buffer.startsWith(FLOOR_PREFIX)) return Number.parseInt(buffer.slice(FLOOR_PREFIX.length, 40), 10)
  if (buffer.startsWith('data: ')) return Number.parseInt(buffer.slice(6, 26), 10) || 0
  return 0
}

/** Opens one stream; resolves on its first bytes (the server's connected event), rejects on failure. */
function open(url: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const connection: Connection = { lastId: 0, request: undefined as unknown as http.ClientRequest }
    const request = http.get(url, { agent, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume()
        reject(new Error(`HTTP ${res.statusCode}`))
        return
      }
      connections.add(connection)
      res.setEncoding('utf8')
      let buffer = ''
      let first = true
      res.on('data', (chunk: string) => {
        const at = nowMs()
        buffer += chunk
        let end = buffer.indexOf('\n\n')
        while (end !== -1) {
          const id = idOf(buffer)
          if (id > 0) record(connection, id, at)
          buffer = buffer.slice(end + 2)
          end = buffer.indexOf('\n\n')
        }
        if (first) {
          first = false
          resolve()
        }
      })
      res.on('error', () => {})
      res.on('close', () => connections.delete(connection))
    })
    connection.request = request
    // A server out of file descriptors leaves connections unanswered: give up instead of hanging.
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`))
    }, CONNECT_TIMEOUT_MS)
    request.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    request.on('response', () => clearTimeout(timer))
  })
}

async function connect(url: string, count: number, headers: Record<string, string>): Promise<LoadReply> {
  let ok = 0
  let failed = 0
  let error: string | null = null
  // In waves, so the accept backlog never overflows into SYN retries.
  for (let done = 0; done < count; done += 100) {
    const wave = Math.min(100, count - done)
    const results = await Promise.allSettled(Array.from({ length: wave }, () => open(url, headers)))
    for (const r of results) {
      if (r.status === 'fulfilled') ok++
      else {
        failed++
        error ??= `${(r.reason as NodeJS.ErrnoException).code ?? ''} ${(r.reason as Error).message}`.trim()
      }
    }
  }
  return { type: 'connected', ok, failed, error }
}

function expectId(id: number, timeoutMs: number): Promise<LoadReply> {
  const behind = () => [...connections].filter((c) => c.lastId < id).length
  const remaining = behind()
  if (remaining === 0)
    return Promise.resolve({ type: 'expected', allReached: true, lastAt: nowMs(), behind: 0 })
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiting = null
      resolve({ type: 'expected', allReached: false, lastAt: nowMs(), behind: behind() })
    }, timeoutMs)
    waiting = {
      id,
      remaining,
      lastAt: 0,
      done: () => {
        clearTimeout(timer)
        const lastAt = waiting?.lastAt ?? nowMs()
        waiting = null
        resolve({ type: 'expected', allReached: true, lastAt, behind: 0 })
      },
    }
  })
}

async function close(): Promise<LoadReply> {
  for (const c of connections) c.request.destroy()
  const deadline = Date.now() + 10_000
  while (connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  receipts = new Map()
  return { type: 'closed' }
}

async function handle(message: LoadRequest): Promise<LoadReply> {
  switch (message.type) {
    case 'connect':
      receipts = new Map()
      return connect(message.url, message.count, message.headers)
    case 'expect':
      return expectId(message.id, message.timeoutMs)
    case 'collect': {
      const reply: LoadReply = { type: 'collected', receipts: [...receipts] }
      receipts = new Map()
      return reply
    }
    case 'close':
      return close()
  }
}

process.on('message', (message: LoadRequest) => {
  handle(message).then(
    (reply) => process.send?.(reply),
    (error: Error) => process.send?.({ type: 'connected', ok: 0, failed: 0, error: error.message }),
  )
})
process.on('disconnect', () => process.exit(0))
