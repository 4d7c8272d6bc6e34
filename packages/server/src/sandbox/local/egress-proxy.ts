import { lookup as dnsLookup } from 'node:dns/promises'
import { chmod, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import { connect, isIP, type Socket } from 'node:net'
import { compilePolicy, type EgressPolicy, type NetworkPolicy } from '../network-policy.ts'

/** A connection the policy refused, as the proxy reports it. */
export type BlockedConnection = { host: string; port: number; reason: string }

/** Resolves a host name to its addresses (injectable so tests can map a name to a local address). */
export type Resolve = (host: string) => Promise<string[]>

export const systemResolve: Resolve = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((entry) => entry.address)

export type EgressProxyOpts = {
  /** Unix socket path the proxy listens on (bound into the sandbox; nothing else can reach it). */
  socketPath: string
  policy: NetworkPolicy
  resolve?: Resolve
  /** Called once per refused destination (host:port) per proxy; at most `maxReports` times. */
  onBlocked?: (blocked: BlockedConnection) => void
  maxReports?: number
  /** Time to open a connection upstream. Default 15 s. */
  connectTimeoutMs?: number
}

export type EgressProxy = { close(): Promise<void> }

/**
 * The only way out of a local sandbox: an HTTP proxy (CONNECT tunnels for HTTPS and any TCP
 * protocol that speaks through a proxy, absolute-URI requests for plain HTTP) listening on a Unix
 * socket that only that sandbox's command sees. Every destination is resolved here, on the host,
 * checked against the policy address by address, and connected to at the address that was checked
 * (a name cannot resolve to a public address for the check and a private one for the connection).
 */
export async function startEgressProxy(opts: EgressProxyOpts): Promise<EgressProxy> {
  const policy = compilePolicy(opts.policy)
  const resolve = opts.resolve ?? systemResolve
  const connectTimeoutMs = opts.connectTimeoutMs ?? 15_000
  const reported = new Set<string>()
  const maxReports = opts.maxReports ?? 20
  const report = (blocked: BlockedConnection) => {
    const key = `${blocked.host}:${blocked.port}`
    if (reported.has(key) || reported.size >= maxReports) return
    reported.add(key)
    try {
      opts.onBlocked?.(blocked)
    } catch {}
  }
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => {})
  }

  const server = createServer()
  server.on('connection', track)
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = parseAuthority(req.url ?? '')
    if (!target) return refuse(client, 400, 'CONNECT needs host:port')
    void choose(policy, resolve, target.host, target.port).then((choice) => {
      if ('reason' in choice) {
        report({ host: target.host, port: target.port, reason: choice.reason })
        return refuse(client, 403, `blocked by the sandbox's network policy: ${choice.reason}`)
      }
      const upstream = open(choice.address, target.port, connectTimeoutMs, (error) => {
        if (error)
          return refuse(client, 502, `could not connect to ${target.host}:${target.port}: ${error.message}`)
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        if (head.length) upstream.write(head)
        upstream.pipe(client)
        client.pipe(upstream)
      })
      track(upstream)
      client.once('close', () => upstream.destroy())
      upstream.once('close', () => client.destroy())
    })
  })
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let url: URL
    try {
      url = new URL(req.url ?? '')
    } catch {
      return reply(res, 400, 'this is a proxy: send an absolute URL (http://host/path) or CONNECT')
    }
    if (url.protocol !== 'http:')
      return reply(res, 400, `only http:// is proxied this way, not ${url.protocol}`)
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const port = Number(url.port || 80)
    void choose(policy, resolve, host, port).then((choice) => {
      if ('reason' in choice) {
        report({ host, port, reason: choice.reason })
        return reply(res, 403, `blocked by the sandbox's network policy: ${choice.reason}`)
      }
      const headers = { ...req.headers }
      for (const name of Object.keys(headers))
        if (name.startsWith('proxy-') || name === 'connection' || name === 'keep-alive') delete headers[name]
      const upstream = request(
        {
          host: choice.address,
          port,
          method: req.method,
          path: `${url.pathname}${url.search}`,
          headers: { ...headers, host: url.host },
          agent: false,
          timeout: connectTimeoutMs,
        },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.statusMessage, response.headers)
          response.pipe(res)
        },
      )
      upstream.on('timeout', () => upstream.destroy(new Error('timed out')))
      upstream.on('error', (error) => {
        if (!res.headersSent) reply(res, 502, `could not reach ${host}:${port}: ${error.message}`)
        else res.destroy()
      })
      req.pipe(upstream)
    })
  })
  server.on('clientError', (_error, socket) => socket.destroy())

  await rm(opts.socketPath, { force: true })
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject)
    server.listen(opts.socketPath, () => {
      server.off('error', reject)
      resolveListen()
    })
  })
  // The sandbox's uid (not the server's) connects to it; the folder above it is the server's alone.
  await chmod(opts.socketPath, 0o666)
  return {
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((done) => server.close(() => done()))
      await rm(opts.socketPath, { force: true }).catch(() => {})
    },
  }
}

/** The address to connect to for host:port, or why not. */
async function choose(
  policy: EgressPolicy,
  resolve: Resolve,
  host: string,
  port: number,
): Promise<{ address: string } | { reason: string }> {
  if (policy.mode === 'off') return { reason: 'the network is off for this sandbox' }
  let addresses: string[]
  try {
    addresses = isIP(host) ? [host] : await resolve(host)
  } catch {
    return { reason: `${host} does not resolve` }
  }
  if (addresses.length === 0) return { reason: `${host} does not resolve` }
  // Every address must pass: otherwise a name could list a public and a private one and the
  // connection below would try the private one after the public one failed.
  for (const address of addresses) {
    const decision = policy.decide(host, address, port)
    if (!decision.allowed) return { reason: decision.reason }
  }
  return { address: addresses[0] as string }
}

function open(address: string, port: number, timeoutMs: number, done: (error?: Error) => void): Socket {
  const socket = connect({ host: address, port })
  const timer = setTimeout(() => socket.destroy(new Error('timed out')), timeoutMs)
  socket.once('connect', () => {
    clearTimeout(timer)
    done()
  })
  socket.once('error', (error) => {
    clearTimeout(timer)
    done(error)
  })
  return socket
}

function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/\s]+)):(\d{1,5})$/.exec(authority)
  if (!match) return undefined
  const port = Number(match[3])
  if (port < 1 || port > 65_535) return undefined
  return { host: (match[1] ?? match[2]) as string, port }
}

function refuse(client: Socket, status: number, message: string) {
  const text = `${message}\n`
  client.end(
    `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : status === 400 ? 'Bad Request' : 'Bad Gateway'}\r\n` +
      `content-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  )
}

function reply(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' })
  res.end(`${message}\n`)
}
