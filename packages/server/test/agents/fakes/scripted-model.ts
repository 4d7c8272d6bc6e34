import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One tool call the fake model makes; `raw` sends arguments that are not JSON at all. */
export type FakeToolCall = { id?: string; name: string; args?: unknown; raw?: string }

/** What the fake model answers to one request. */
export type FakeTurn =
  | {
      text?: string
      reasoning?: string
      toolCalls?: FakeToolCall[]
      usage?: { input: number; output: number; cachedInput?: number }
      /** Milliseconds between streamed chunks (default 0). */
      chunkDelayMs?: number
    }
  | { error: { status: number; headers?: Record<string, string>; body?: unknown } }
  /** Accepts the request and never answers. */
  | { hang: true }
  /** Answers 200 with an event stream that breaks off: this raw text, then the connection ends. */
  | { malformed: string }

/** A request the fake received, parsed. */
export type RecordedRequest = {
  path: string
  headers: IncomingMessage['headers']
  body: Record<string, unknown>
}

/** A scripted conversation: a list of turns, or a function of the request (and its index). */
export type FakeScript = FakeTurn[] | ((request: RecordedRequest, index: number) => FakeTurn)

export type FakeModelServer = {
  /** Base URL, e.g. http://127.0.0.1:41234/v1 */
  url: string
  /** Origin without a path, e.g. http://127.0.0.1:41234 */
  origin: string
  requests: RecordedRequest[]
  /** Replaces the script; the turn counter and the recorded requests start over. */
  setScript(script: FakeScript): void
  close(): Promise<void>
}

/** Writes a wire format's chunks for one turn; each vendor's fake has one. */
export type TurnWriter = (
  turn: Exclude<FakeTurn, { error: unknown } | { hang: true } | { malformed: string }>,
  request: RecordedRequest,
  write: (chunk: string) => Promise<void>,
) => Promise<void>

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * A fake model vendor over real HTTP on 127.0.0.1: answers each POST to `path` with the next turn
 * of its script, streamed as server-sent events by `writeTurn` (the vendor's wire format), or with
 * the turn's HTTP error. Unscripted requests get a 500 saying so.
 */
export async function startScriptedServer(options: {
  path: RegExp
  basePath: string
  writeTurn: TurnWriter
  errorBody(status: number): unknown
  script?: FakeScript
}): Promise<FakeModelServer> {
  let script: FakeScript = options.script ?? []
  let index = 0
  const requests: RecordedRequest[] = []
  const open = new Set<ServerResponse>()

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    if (req.method !== 'POST' || !options.path.test(req.url ?? '')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}')
      return
    }
    let body: Record<string, unknown> = {}
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {}
    const request: RecordedRequest = { path: req.url ?? '', headers: req.headers, body }
    requests.push(request)
    const i = index++
    const turn = typeof script === 'function' ? script(request, i) : script[i]
    if (!turn) {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `the fake model has no turn ${i + 1} scripted` } }))
      return
    }
    if ('hang' in turn) {
      open.add(res)
      res.on('close', () => open.delete(res))
      return
    }
    if ('error' in turn) {
      res
        .writeHead(turn.error.status, { 'content-type': 'application/json', ...turn.error.headers })
        .end(JSON.stringify(turn.error.body ?? options.errorBody(turn.error.status)))
      return
    }
    if ('malformed' in turn) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      res.end(turn.malformed)
      return
    }
    open.add(res)
    res.on('close', () => open.delete(res))
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    })
    const write = async (chunk: string) => {
      if (turn.chunkDelayMs) await sleep(turn.chunkDelayMs)
      res.write(chunk)
    }
    await options.writeTurn(turn, request, write)
    res.end()
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}${options.basePath}`,
    origin,
    requests,
    setScript(next) {
      script = next
      index = 0
      requests.length = 0
    },
    async close() {
      for (const res of open) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** The arguments of a scripted tool call as the wire carries them (a JSON string). */
export const argumentsText = (call: FakeToolCall) => call.raw ?? JSON.stringify(call.args ?? {})

/** Splits text into a few pieces, so the client really assembles deltas. */
export function pieces(text: string, size = 12): string[] {
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out
}
