import type { IncomingMessage, ServerResponse } from 'node:http'
import type { components } from 'e2b'
import type { Faults } from './faults.ts'
import type { FakeSandbox, FakeSandboxes } from './sandboxes.ts'

// E2B's control-plane REST API (api.e2b.app), the operations the SDK calls for a sandbox's lifecycle.
// Bodies are typed by the SDK's own generated OpenAPI types (`components` from 'e2b'), and the route
// table below is checked against the SDK's `paths` by test/sandbox/fake-e2b-openapi.unit.test.ts.

type Schemas = components['schemas']
type Json = Schemas[keyof Schemas] | Schemas['ListedSandbox'][] | undefined

export type Reply = { status: number; body?: Json; headers?: Record<string, string> }

export type ControlPlaneDeps = {
  apiKey: string
  sandboxes: FakeSandboxes
  faults: Faults
  envdVersion: string
  /** Sandbox traffic domain reported to the SDK (unused when sandboxUrl is set). */
  domain: string
}

/** Method, path template and the statuses each served route can answer (the OpenAPI test reads it). */
export const SERVED_ROUTES = [
  { method: 'post', path: '/v2/sandboxes', statuses: [201, 400, 401, 429] },
  { method: 'get', path: '/v2/sandboxes', statuses: [200, 400, 401] },
  { method: 'get', path: '/sandboxes/{sandboxID}', statuses: [200, 401, 404] },
  { method: 'delete', path: '/sandboxes/{sandboxID}', statuses: [204, 401, 404] },
  { method: 'post', path: '/sandboxes/{sandboxID}/timeout', statuses: [204, 401, 404] },
  { method: 'post', path: '/sandboxes/{sandboxID}/pause', statuses: [204, 401, 404, 409] },
  { method: 'post', path: '/sandboxes/{sandboxID}/resume', statuses: [201, 401, 404, 409] },
  { method: 'post', path: '/v2/sandboxes/{sandboxID}/connect', statuses: [200, 201, 400, 401, 404] },
] as const

const error = (status: number, message: string): Reply => ({
  status,
  body: { code: status, message } satisfies Schemas['Error'],
})

/** NewSandboxV2's and ConnectSandboxV2's default timeout; the v1 ResumedSandbox's is 15. */
const DEFAULT_TIMEOUT_SECONDS = 300
const RESUME_DEFAULT_TIMEOUT_SECONDS = 15

export async function handleControlPlane(
  deps: ControlPlaneDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake-e2b')
  const route = matchRoute(req.method ?? 'GET', url.pathname)
  deps.faults.count(route ? `${route.method.toUpperCase()} ${route.path}` : `${req.method} ${url.pathname}`)
  const reply = await answer(deps, req, url, route).catch(
    (cause: unknown): Reply =>
      error(500, `fake-e2b: ${cause instanceof Error ? cause.message : String(cause)}`),
  )
  const body = reply.body === undefined ? undefined : JSON.stringify(reply.body)
  res.writeHead(reply.status, {
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...reply.headers,
  })
  res.end(body)
}

type Route = { method: string; path: string; sandboxId?: string }

function matchRoute(method: string, pathname: string): Route | undefined {
  for (const served of SERVED_ROUTES) {
    if (served.method !== method.toLowerCase()) continue
    const pattern = new RegExp(`^${served.path.replace('{sandboxID}', '([^/]+)')}$`)
    const match = pattern.exec(pathname)
    if (match)
      return { method: served.method, path: served.path, ...(match[1] ? { sandboxId: match[1] } : {}) }
  }
  return undefined
}

async function answer(deps: ControlPlaneDeps, req: IncomingMessage, url: URL, route?: Route): Promise<Reply> {
  if (req.headers['x-api-key'] !== deps.apiKey) return error(401, 'Invalid API key')
  if (!route) return error(404, `no route ${req.method} ${url.pathname}`)
  const body = await readJson(req)
  if (body === INVALID) return error(400, 'request body is not JSON')
  const { sandboxes } = deps
  if (route.path === '/v2/sandboxes' && route.method === 'post') return create(deps, body)
  if (route.path === '/v2/sandboxes') return list(deps, url)
  const sandbox = sandboxes.get(route.sandboxId as string)
  if (!sandbox) return error(404, `sandbox "${route.sandboxId}" not found`)
  switch (`${route.method} ${route.path}`) {
    case 'get /sandboxes/{sandboxID}':
      return { status: 200, body: detail(deps, sandbox) }
    case 'delete /sandboxes/{sandboxID}':
      await sandboxes.kill(sandbox, 'killed')
      return { status: 204 }
    case 'post /sandboxes/{sandboxID}/timeout': {
      const seconds = timeoutOf(body)
      if (seconds === undefined) return error(400, 'timeout must be a whole number of seconds')
      sandboxes.setTimeout(sandbox, seconds)
      return { status: 204 }
    }
    case 'post /sandboxes/{sandboxID}/pause':
      if (!(await sandboxes.pause(sandbox)))
        return error(409, `sandbox "${sandbox.sandboxId}" is already paused`)
      return { status: 204 }
    case 'post /sandboxes/{sandboxID}/resume':
      if (sandbox.state === 'running') return error(409, `sandbox "${sandbox.sandboxId}" is already running`)
      sandboxes.resume(sandbox, timeoutOf(body) ?? RESUME_DEFAULT_TIMEOUT_SECONDS)
      return { status: 201, body: created(deps, sandbox) }
    case 'post /v2/sandboxes/{sandboxID}/connect': {
      const given = (body as { timeout?: unknown } | undefined)?.timeout
      const seconds = given === undefined ? DEFAULT_TIMEOUT_SECONDS : timeoutOf(body)
      if (seconds === undefined) return error(400, 'timeout must be a whole number of seconds')
      if (sandbox.state === 'paused') {
        sandboxes.resume(sandbox, seconds)
        return { status: 201, body: created(deps, sandbox) }
      }
      // Connecting to a running sandbox only ever extends its end time (E2B never shortens it here).
      if (Date.now() + seconds * 1000 > sandbox.endAt.getTime()) sandboxes.setTimeout(sandbox, seconds)
      return { status: 200, body: created(deps, sandbox) }
    }
  }
  return error(404, `no route ${req.method} ${url.pathname}`)
}

async function create(deps: ControlPlaneDeps, body: unknown): Promise<Reply> {
  const { faults, sandboxes } = deps
  if (faults.rateLimitedCreates > 0) {
    faults.rateLimitedCreates--
    return {
      ...error(429, 'Rate limit exceeded (fake-e2b fault)'),
      headers: { 'retry-after': String(faults.retryAfterSeconds) },
    }
  }
  const input = body as Partial<Schemas['NewSandboxV2']> | undefined
  if (!input || typeof input.templateID !== 'string' || !input.templateID)
    return error(400, 'templateID is required')
  const timeout = input.timeout ?? DEFAULT_TIMEOUT_SECONDS
  if (!Number.isInteger(timeout) || timeout < 0)
    return error(400, 'timeout must be a whole number of seconds')
  for (const [name, map] of [
    ['metadata', input.metadata],
    ['envVars', input.envVars],
  ] as const)
    if (map !== undefined && !isStringMap(map)) return error(400, `${name} must map strings to strings`)
  faults.createTimes.push(Date.now())
  if (faults.createDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.createDelayMs))
  const sandbox = await sandboxes.create({
    templateID: input.templateID,
    timeoutSeconds: timeout,
    metadata: input.metadata ?? {},
    envVars: input.envVars ?? {},
    autoPause: input.autoPause === true,
    ...(typeof input.allow_internet_access === 'boolean'
      ? { allowInternetAccess: input.allow_internet_access }
      : {}),
  })
  return { status: 201, body: created(deps, sandbox) }
}

function list(deps: ControlPlaneDeps, url: URL): Reply {
  const wanted = url.searchParams.get('metadata')
  const filter = wanted ? [...new URLSearchParams(wanted).entries()] : []
  const states = (url.searchParams.get('state') ?? '').split(',').filter(Boolean)
  const found = deps.sandboxes
    .all()
    .filter((s) => filter.every(([key, value]) => s.metadata[key] === value))
    .filter((s) => states.length === 0 || states.includes(s.state))
    .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())
  const limit = Number(url.searchParams.get('limit') ?? 100)
  const offset = Number(url.searchParams.get('nextToken') ?? 0)
  const page = found.slice(offset, offset + limit)
  const next = offset + limit < found.length ? { 'x-next-token': String(offset + limit) } : undefined
  return { status: 200, body: page.map((s) => listed(deps, s)), ...(next ? { headers: next } : {}) }
}

function created(deps: ControlPlaneDeps, s: FakeSandbox): Schemas['Sandbox'] {
  return {
    templateID: s.templateID,
    sandboxID: s.sandboxId,
    clientID: 'fake-e2b',
    envdVersion: deps.envdVersion,
    envdAccessToken: s.envdAccessToken,
    domain: deps.domain,
  }
}

function listed(deps: ControlPlaneDeps, s: FakeSandbox): Schemas['ListedSandbox'] {
  return {
    templateID: s.templateID,
    sandboxID: s.sandboxId,
    clientID: 'fake-e2b',
    startedAt: s.startedAt.toISOString(),
    endAt: s.endAt.toISOString(),
    cpuCount: 2,
    memoryMB: 512,
    diskSizeMB: 1024,
    metadata: { ...s.metadata },
    state: s.state,
    envdVersion: deps.envdVersion,
  }
}

function detail(deps: ControlPlaneDeps, s: FakeSandbox): Schemas['SandboxDetail'] {
  return {
    ...listed(deps, s),
    envdAccessToken: s.envdAccessToken,
    allowInternetAccess: s.allowInternetAccess,
    domain: deps.domain,
  }
}

function timeoutOf(body: unknown): number | undefined {
  const timeout = (body as { timeout?: unknown } | undefined)?.timeout
  return typeof timeout === 'number' && Number.isInteger(timeout) && timeout >= 0 ? timeout : undefined
}

const isStringMap = (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value).every((v) => typeof v === 'string')

const INVALID = Symbol('invalid')

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return INVALID
  }
}
