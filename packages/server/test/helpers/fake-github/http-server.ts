import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { handleApi } from './api.ts'
import type { Core, Handlers } from './core.ts'
import { handleGit, isGitPath } from './git-http.ts'

// One HTTP server on 127.0.0.1, laid out like GitHub Enterprise Server: the REST API under /api/v3,
// git smart HTTP at /{owner}/{name}.git, and a web page for each pull request's html_url.

function headerMap(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(req.headers))
    out[name] = Array.isArray(value) ? value.join(', ') : value
  return out
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

async function sendWeb(res: ServerResponse, response: Response) {
  res.writeHead(response.status, Object.fromEntries(response.headers))
  if (!response.body) return void res.end()
  const body = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>)
  body.on('error', () => res.destroy())
  body.pipe(res)
}

/** The web page behind a pull request's html_url (enough for a link to resolve). */
function pullPage(core: Core, path: string): { status: number; body: string } {
  const match = /^\/([^/]+)\/([^/]+)\/pull\/(\d+)$/.exec(path)
  const repo = match ? core.state.repo(`${match[1]}/${match[2]}`) : undefined
  const pull = repo?.issues.find((i) => i.pull && i.number === Number(match?.[3]))
  if (!repo || !pull) return { status: 404, body: '<h1>404</h1>' }
  const html = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
  return {
    status: 200,
    body: `<!doctype html><title>${html(pull.title)} · Pull Request #${pull.number} · ${html(repo.fullName)}</title>`,
  }
}

async function route(core: Core, handlers: Handlers, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const method = req.method ?? 'GET'
  if (url.pathname.startsWith('/api/v3/') || url.pathname === '/api/v3') {
    const path = url.pathname.slice('/api/v3'.length) || '/'
    const answer = await handleApi(core, handlers, {
      method,
      path,
      query: url.searchParams,
      headers: headerMap(req),
      body: await readBody(req),
    })
    res.writeHead(answer.status, answer.headers)
    return void res.end(answer.body)
  }
  if (isGitPath(url.pathname)) {
    const abort = new AbortController()
    res.on('close', () => abort.abort())
    const hasBody = method !== 'GET' && method !== 'HEAD'
    const { response, caller } = await handleGit(core, {
      method,
      path: url.pathname,
      query: url.search.slice(1),
      headers: headerMap(req),
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : null,
      signal: abort.signal,
    })
    core.requests.push({
      method,
      path: url.pathname,
      operationId: null,
      status: response.status,
      tokenKind: caller,
      at: new Date(),
    })
    return sendWeb(res, response)
  }
  const page = pullPage(core, url.pathname)
  res.writeHead(page.status, { 'content-type': 'text/html; charset=utf-8' })
  res.end(page.body)
}

export async function listen(core: Core, handlers: Handlers): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    route(core, handlers, req, res).catch((error: unknown) => {
      // A bug in the fake must not look like a GitHub answer: 500 with the stack, and a violation.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
      core.violations.push({
        operationId: `${req.method} ${req.url}`,
        phase: 'response',
        problems: [`the fake threw: ${message}`],
      })
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(message)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the fake GitHub has no TCP port')
  return { server, port: address.port }
}
