import { ErrorBody, Health } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiRoutes } from '../../src/http/app.ts'
import { openApiPath } from '../../src/http/route.ts'
import { version } from '../../src/version.ts'
import { skipReason, testDbKind } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

type OpenApiDoc = {
  openapi: string
  info: { title: string; version: string }
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>
  components: { securitySchemes: Record<string, unknown> }
}

describe.skipIf(skipReason)('system routes', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('GET /api/v1/health answers ok with the database kind, version and uptime', async () => {
    const res = await server.request('GET', '/api/v1/health')
    expect(res.status).toBe(200)
    const health = Health.parse(res.json)
    expect(health.status).toBe('ok')
    expect(health.version).toBe(version)
    expect(health.uptime_s).toBeGreaterThanOrEqual(0)
    expect(health.database).toMatchObject({ kind: testDbKind, reachable: true })
    expect(health.database.latency_ms).toBeGreaterThanOrEqual(0)
  })

  it('GET /api/v1/health answers 503, degraded, when the database does not answer', async () => {
    const db = server.deps.database.db
    const execute = db.execute
    db.execute = (() => Promise.reject(new Error('connection refused'))) as unknown as typeof db.execute
    try {
      const res = await server.request('GET', '/api/v1/health')
      expect(res.status).toBe(503)
      expect(Health.parse(res.json)).toMatchObject({ status: 'degraded', database: { reachable: false } })
    } finally {
      db.execute = execute
    }
    expect((await server.request('GET', '/api/v1/health')).status).toBe(200)
  })

  it('GET /api/v1/health needs no token, even when the server requires one', async () => {
    const tokenServer = await startTestServer({ auth: 'token', db: server.db })
    try {
      expect((await tokenServer.request('GET', '/api/v1/health')).status).toBe(200)
      expect((await tokenServer.request('GET', '/api/v1/squads')).status).toBe(401)
      expect((await tokenServer.request('GET', '/api/v1/openapi.json')).status).toBe(200)
    } finally {
      await tokenServer.close()
    }
  })

  it('GET /metrics refuses a caller without an admin token, even with auth off', async () => {
    const anonymous = await fetch(`${server.url}/metrics`)
    expect(anonymous.status).toBe(401)
    expect(ErrorBody.parse(await anonymous.json()).error.message).toMatch(
      /\/metrics needs an admin token, even with auth off/,
    )
    const viaQuery = await fetch(`${server.url}/metrics?access_token=${server.localToken}`)
    expect(viaQuery.status).toBe(401)
    await viaQuery.body?.cancel()
  })

  it('GET /metrics serves Prometheus text that counts requests', async () => {
    await server.request('GET', '/api/v1/health')
    await server.request('GET', '/api/v1/squads/00000000-0000-7000-8000-000000000999')
    // With auth off, the local user (an admin) is the one with a token: the one `squad serve` stores.
    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${server.localToken}` },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toContain('# TYPE squad_http_requests_total counter')
    expect(text).toMatch(
      /squad_http_requests_total\{method="GET",route="\/api\/v1\/health",status="200"\} \d+/,
    )
    expect(text).toMatch(
      /squad_http_requests_total\{method="GET",route="\/api\/v1\/squads\/:id",status="404"\} \d+/,
    )
    expect(text).toContain('# TYPE squad_http_request_duration_seconds histogram')
    expect(text).toContain('squad_sse_clients 0')
    expect(text).toContain('squad_process_cpu_user_seconds_total')
    // Every sample line is `name{labels} value`: nothing that would break a scraper.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#')))
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eNaInf]+$/)
  })

  it('serves an OpenAPI 3.1 document with every API route and its method', async () => {
    const res = await server.request('GET', '/api/v1/openapi.json')
    expect(res.status).toBe(200)
    const doc = res.json as OpenApiDoc
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/)
    expect(doc.info).toMatchObject({ title: expect.any(String), version })
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(apiRoutes.length).toBeGreaterThan(0)

    const operationIds = new Set<string>()
    for (const route of apiRoutes) {
      const path = `/api/v1${openApiPath(route.path)}`
      const operation = doc.paths[path]?.[route.method]
      expect(
        operation,
        `${route.method.toUpperCase()} ${path} is missing from the OpenAPI document`,
      ).toBeDefined()
      if (!operation) continue
      expect(operation.responses[String(route.status ?? 200)]).toBeDefined()
      expect(operationIds.has(operation.operationId), `duplicate operationId ${operation.operationId}`).toBe(
        false,
      )
      operationIds.add(operation.operationId)
      // Every {param} of the path is declared as a path parameter.
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
        const params = (operation as { parameters?: Array<{ name: string; in: string }> }).parameters ?? []
        expect(
          params.some((p) => p.name === name && p.in === 'path'),
          `${path} declares {${name}}`,
        ).toBe(true)
      }
    }
    const documented = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0)
    expect(documented).toBe(apiRoutes.length)
  })
})
