import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createContextKey, createContextValues, type HandlerContext } from '@connectrpc/connect'
import { connectNodeAdapter } from '@connectrpc/connect-node'
import { filesystemService, processService } from './envd-descriptors.ts'
import type { Faults } from './faults.ts'
import { handleFiles } from './files-endpoint.ts'
import { filesystemServiceImpl } from './filesystem-service.ts'
import { json } from './http-json.ts'
import { processServiceImpl } from './process-service.ts'
import type { FakeSandbox, FakeSandboxes } from './sandboxes.ts'

// The in-sandbox daemon envd, for every fake sandbox at one address (the SDK's `sandboxUrl`): each
// request names its sandbox in the `E2b-Sandbox-Id` header, as it does through E2B's proxy. Serves
// GET /health, GET and POST /files and the two Connect services. A sandbox that is gone or paused
// answers 502 like E2B's proxy; stopping one cuts its open connections, as a VM's death does.

const sandboxKey = createContextKey<FakeSandbox | undefined>(undefined, { description: 'fake-e2b sandbox' })

export type EnvdServer = {
  url: string
  /** Cuts every open connection of one sandbox (its streams end as a dead VM's would). */
  sever(sandboxId: string): void
  /** Stops listening (connection refused) until `resume()`; open connections are cut. */
  refuse(): Promise<void>
  resume(): Promise<void>
  close(): Promise<void>
}

export async function startEnvdServer(deps: {
  sandboxes: FakeSandboxes
  faults: Faults
}): Promise<EnvdServer> {
  const { sandboxes, faults } = deps
  const open = new Map<string, Set<ServerResponse>>()
  // The sandbox each request was routed to, handed from `handle` to the services' context.
  const routed = new WeakMap<IncomingMessage, FakeSandbox>()
  const sandboxOf = (context: HandlerContext): FakeSandbox => {
    const sandbox = context.values.get(sandboxKey)
    if (sandbox) return sandbox
    // Set on every request before the router runs (see `handle`); missing means a bug here.
    throw new Error('fake-e2b: request reached envd without a sandbox')
  }
  const rpc = connectNodeAdapter({
    routes: (router) => {
      router.service(processService, processServiceImpl(sandboxOf) as never)
      router.service(filesystemService, filesystemServiceImpl(sandboxOf) as never)
    },
    contextValues: (req) => createContextValues().set(sandboxKey, routed.get(req as IncomingMessage)),
  })

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://envd')
    faults.count(`envd ${req.method} ${url.pathname}`)
    const sandboxId = header(req, 'e2b-sandbox-id')
    const outage = faults.envdOutage(sandboxId)
    const sandbox = sandboxId ? sandboxes.get(sandboxId) : undefined
    if (outage || !sandbox || sandbox.state !== 'running') {
      const message = outage ? 'fake-e2b: envd unreachable (fault)' : 'The sandbox was not found'
      return json(res, 502, { code: 502, message, sandboxId: sandboxId ?? '' })
    }
    const conns = open.get(sandbox.sandboxId) ?? new Set<ServerResponse>()
    open.set(sandbox.sandboxId, conns)
    conns.add(res)
    res.once('close', () => conns.delete(res))
    if (url.pathname === '/health' && req.method === 'GET') return void res.writeHead(204).end()
    if (header(req, 'x-access-token') !== sandbox.envdAccessToken)
      return json(res, 401, { code: 401, message: 'invalid or missing X-Access-Token' })
    if (url.pathname === '/files') return handleFiles(sandbox, req, res, url)
    routed.set(req, sandbox)
    rpc(req, res)
  }

  let server: Server = listenServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port

  const sever = (sandboxId: string) => {
    for (const res of open.get(sandboxId) ?? []) res.socket?.destroy()
    open.delete(sandboxId)
  }
  const stop = async () => {
    const closing = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeAllConnections()
    await closing
  }
  return {
    url: `http://127.0.0.1:${port}`,
    sever,
    refuse: stop,
    resume: async () => {
      if (server.listening) return
      server = listenServer(handle)
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    },
    close: async () => {
      if (server.listening) await stop()
    },
  }
}

function listenServer(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Server {
  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { code: 500, message: `fake-e2b: ${String(error)}` })
      else res.destroy()
    })
  })
}

const header = (req: IncomingMessage, name: string) => {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}
