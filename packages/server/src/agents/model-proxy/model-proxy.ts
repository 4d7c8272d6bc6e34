import { randomBytes, timingSafeEqual } from 'node:crypto'
import {
  createServer,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { Socket } from 'node:net'
import type { HostService } from '../../sandbox/sandbox-provider.ts'
import {
  authHeaders,
  basePathOf,
  credentialHeaders,
  errorBody,
  type ModelProtocol,
  presentedKey,
  type Route,
  routeOf,
} from './model-protocols.ts'
import { MAX_REQUEST_BYTES, prepareBody, readBody } from './proxy-request.ts'
import { createUsageMeter, type MeteredUsage } from './usage-meter.ts'
import { createUsageStripper } from './usage-stripper.ts'

export type { ModelProtocol } from './model-protocols.ts'
export type { MeteredUsage } from './usage-meter.ts'

/** Per execution: model calls (requests that generate) and tokens in + out, whichever comes first. */
export type ModelProxyLimits = { maxRequests: number; maxTokens: number }

export type OpenModelProxyOpts = {
  protocol: ModelProtocol
  /** The provider's base URL as its SDKs take it (https://api.anthropic.com, https://api.openai.com/v1, …). */
  upstreamBaseUrl: string
  /** The real key: it stays in this process, added to each forwarded request. */
  apiKey: string
  limits: ModelProxyLimits
  /** Each model response's usage, once it has ended. */
  onUsage?(usage: MeteredUsage): void
  /** The first time a request is refused for a limit, with the reason the CLI is also told. */
  onLimit?(reason: string): void
  /** The port the sandbox reaches the proxy on, on its own loopback. Default 3129. */
  port?: number
}

export type ModelProxyTotals = {
  requests: number
  inputTokens: number
  outputTokens: number
  cachedInputTokens: number
}

export type ModelProxy = {
  /** The base URL to give the CLI, as seen inside the sandbox (never the upstream's). */
  baseUrl: string
  /** A random key for this proxy alone, to give the CLI in place of the real one. */
  apiKey: string
  /** What the sandbox command needs to reach the proxy (CommandRunOpts.hostServices). */
  hostServices: HostService[]
  totals(): ModelProxyTotals
  /** Why the last refused request was refused for a limit, or null when none was. */
  limitReached(): string | null
  close(): Promise<void>
}

export const MODEL_PROXY_PORT = 3129
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'accept-encoding',
])

/**
 * The host side of a CLI agent's model calls: the sandbox gets `baseUrl` and a dummy `apiKey`; the
 * proxy checks that key, adds the real one the provider's way, forwards only the model API's paths
 * to the upstream, streams the answer back chunk by chunk as it comes, reads each answer's usage
 * from the stream as it passes, and refuses calls past the execution's limits with an error in the
 * provider's own format (status 400, which no CLI retries).
 */
export async function openModelProxy(opts: OpenModelProxyOpts): Promise<ModelProxy> {
  const { protocol, limits } = opts
  const port = opts.port ?? MODEL_PROXY_PORT
  const upstream = new URL(opts.upstreamBaseUrl)
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:')
    throw new Error(`the model's base URL must be http(s), not ${upstream.protocol}`)
  const upstreamBase = upstream.href.replace(/\/+$/, '')
  const secure = upstream.protocol === 'https:'
  // Without noDelay a request's headers and body, or two streamed chunks, can wait on each other's ACK.
  // (net.connect takes `noDelay`; the Agent passes its options on, though its type does not say so.)
  const agentOpts = { keepAlive: true, noDelay: true } as ConstructorParameters<typeof HttpAgent>[0]
  const agent = secure ? new HttpsAgent(agentOpts) : new HttpAgent(agentOpts)
  const dummyKey = `sk-squad-${randomBytes(24).toString('hex')}`
  const dummy = Buffer.from(dummyKey)
  const realKey = opts.apiKey
  const totals: ModelProxyTotals = { requests: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 }
  let limitReason: string | null = null

  const fail = (res: ServerResponse, status: number, message: string) => {
    if (res.headersSent) return void res.destroy()
    res.writeHead(status, { 'content-type': 'application/json' }).end(errorBody(protocol, status, message))
  }
  const keyMatches = (key: string | undefined) => {
    const given = Buffer.from(key ?? '')
    return given.length === dummy.length && timingSafeEqual(given, dummy)
  }
  const overLimit = (): string | null => {
    if (totals.requests >= limits.maxRequests)
      return `the squad's limit of ${limits.maxRequests} model requests for this execution is reached`
    const used = totals.inputTokens + totals.outputTokens
    if (used >= limits.maxTokens)
      return `the squad's limit of ${limits.maxTokens} tokens for this execution is reached (${used} used)`
    return null
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://model-proxy')
    const route = routeOf(protocol, req.method ?? 'GET', url.pathname)
    if (!route) {
      req.resume()
      return fail(
        res,
        404,
        `the model proxy forwards only the ${protocol} model API, not ${req.method} ${url.pathname}`,
      )
    }
    if (!keyMatches(presentedKey(req.headers, url.searchParams))) {
      req.resume()
      return fail(res, 401, "invalid API key: this is the execution's model proxy, and that is not its key")
    }
    void readBody(req).then((body) => {
      if (body === null) return fail(res, 413, `request body over ${MAX_REQUEST_BYTES / 1024 / 1024} MiB`)
      if (route.generates) {
        const reason = overLimit()
        if (reason) {
          if (limitReason === null) opts.onLimit?.(reason)
          limitReason = reason
          return fail(res, 400, reason)
        }
        totals.requests++
      }
      forward(route, url, req, body, res)
    })
  })

  const forward = (route: Route, url: URL, req: IncomingMessage, original: Buffer, res: ServerResponse) => {
    const { body, model, strip } = prepareBody(protocol, route, original)
    const query = new URLSearchParams(url.searchParams)
    query.delete('key')
    const search = query.size ? `?${query}` : ''
    const headers: OutgoingHttpHeaders = {}
    for (const [name, value] of Object.entries(req.headers))
      if (!HOP_BY_HOP.has(name) && !credentialHeaders.includes(name) && value !== undefined)
        headers[name] = value
    Object.assign(headers, authHeaders(protocol, realKey), {
      host: upstream.host,
      'accept-encoding': 'identity',
      'content-length': String(body.length),
    })
    const target = new URL(`${upstreamBase}${route.upstreamPath}${search}`)
    const outgoing = (secure ? httpsRequest : httpRequest)(
      target,
      { method: req.method, headers, agent },
      (answer) => {
        const status = answer.statusCode ?? 502
        const outHeaders: OutgoingHttpHeaders = {}
        for (const [name, value] of Object.entries(answer.headers))
          if (!HOP_BY_HOP.has(name) && value !== undefined) outHeaders[name] = value
        if (status < 200 || status >= 300) return relayError(answer, status, outHeaders, res)
        const meter = route.generates
          ? createUsageMeter(protocol, String(answer.headers['content-type'] ?? ''), route.model ?? model)
          : undefined
        const stripper = strip ? createUsageStripper() : undefined
        res.writeHead(status, answer.statusMessage, outHeaders)
        res.flushHeaders()
        answer.on('data', (chunk: Buffer) => {
          meter?.push(chunk)
          const out = stripper ? stripper.push(chunk) : chunk
          if (out.length && !res.write(out)) {
            answer.pause()
            res.once('drain', () => answer.resume())
          }
        })
        // Counted once, when the answer ends or is cut off: a client that hangs up before the end
        // still pays for what the provider reported so far (its input at least).
        let settled = false
        const settle = () => {
          if (settled) return
          settled = true
          const usage = meter?.end()
          if (!usage) return
          totals.inputTokens += usage.inputTokens
          totals.outputTokens += usage.outputTokens
          totals.cachedInputTokens += usage.cachedInputTokens
          opts.onUsage?.(usage)
        }
        answer.once('end', () => {
          if (stripper) res.write(stripper.end())
          res.end()
          settle()
        })
        answer.once('close', settle)
        answer.once('error', () => res.destroy())
      },
    )
    outgoing.on('error', (error) =>
      fail(res, 502, `the model provider could not be reached: ${error.message}`),
    )
    res.once('close', () => {
      if (!res.writableFinished) outgoing.destroy()
    })
    outgoing.end(body)
  }

  /** An error answer is small: read whole, with the real key replaced should the provider echo it. */
  const relayError = (
    answer: IncomingMessage,
    status: number,
    headers: OutgoingHttpHeaders,
    res: ServerResponse,
  ) => {
    const chunks: Buffer[] = []
    answer.on('data', (chunk: Buffer) => chunks.push(chunk))
    answer.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').replaceAll(realKey, dummyKey)
      res.writeHead(status, answer.statusMessage, headers).end(text)
    })
    answer.once('error', () => res.destroy())
  }

  return {
    baseUrl: `http://127.0.0.1:${port}${basePathOf(protocol)}`,
    apiKey: dummyKey,
    hostServices: [
      {
        port,
        accept: (socket) => {
          if (socket instanceof Socket) socket.setNoDelay(true) // a no-op on the relay's Unix socket
          server.emit('connection', socket)
        },
      },
    ],
    totals: () => ({ ...totals }),
    limitReached: () => limitReason,
    close: async () => {
      server.closeAllConnections()
      agent.destroy()
    },
  }
}
