import { CreatedToken, ErrorBody, User } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiRoutes } from '../../src/http/app.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createResources, databaseFingerprint, pathFor, type Resources } from './route-fixture.ts'

const idRoutes = apiRoutes.filter((r) => r.path.includes(':id'))

/** Bodies each route accepts, so only ownership can make the request fail. */
const validBodies: Record<string, unknown> = {
  'post /squads/:id/agents': { name: 'intruder', role: 'backend' },
  'post /squads/:id/repositories': { name: 'intruder' },
  'post /squads/:id/tasks': { title: 'intruder' },
  'put /squads/:id/secrets/:name': { value: 'intruder' },
  'post /tasks/:id/reviews': { verdict: 'changes_requested', body: 'intruder' },
}

describe.skipIf(skipReason)('access between two users', () => {
  let server: TestServer
  let alice: string
  let bob: string
  let owned: Resources

  beforeAll(async () => {
    server = await startTestServer({ auth: 'token' })
    const admin = server.bootstrapToken ?? ''
    const tokenFor = async (name: string) => {
      const user = User.parse(
        (await server.request('POST', '/api/v1/users', { token: admin, body: { name } })).json,
      )
      const res = await server.request('POST', '/api/v1/tokens', {
        token: admin,
        body: { name, user_id: user.id },
      })
      return CreatedToken.parse(res.json).token
    }
    alice = await tokenFor('alice')
    bob = await tokenFor('bob')
    owned = await createResources(server, alice)
  })
  afterAll(async () => {
    await server?.stop()
  })

  it.each(idRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
    "%s: another user's resource answers 404 and nothing changes",
    async (_name, route) => {
      const before = await databaseFingerprint(server)
      const res = await server.request(route.method.toUpperCase(), pathFor(route, owned), {
        token: bob,
        ...(route.body ? { body: validBodies[`${route.method} ${route.path}`] ?? {} } : {}),
      })
      expect(res.status, JSON.stringify(res.json)).toBe(404)
      expect(ErrorBody.parse(res.json).error.code).toBe('not_found')
      expect(await databaseFingerprint(server)).toEqual(before)
      // The owner still reaches it (reads only, so the fixture stays intact).
      if (route.method === 'get') {
        const mine = await server.request('GET', pathFor(route, owned), { token: alice })
        // Reachable for its owner (a fixture PR without a pushed branch may answer 409, never 404 or 5xx).
        expect([200, 409], `${route.path} ${JSON.stringify(mine.json)}`).toContain(mine.status)
      }
    },
  )

  it("lists show only one's own squads, and streams of others' squads, tasks and executions are 404", async () => {
    const list = (await server.request('GET', '/api/v1/squads', { token: bob })).json as {
      items: { id: string }[]
    }
    expect(list.items.map((s) => s.id)).not.toContain(owned.squad)
    for (const path of [`squads/${owned.squad}`, `tasks/${owned.task}`, `executions/${owned.execution}`]) {
      const res = await fetch(`${server.url}/api/v1/sse/${path}`, {
        headers: { authorization: `Bearer ${bob}` },
      })
      expect(res.status, path).toBe(404)
      await res.body?.cancel()
    }
    const log = await fetch(`${server.url}/api/v1/executions/${owned.execution}/log`, {
      headers: { authorization: `Bearer ${bob}` },
    })
    expect(log.status).toBe(404)
  })

  it('without a token every non-public route answers 401, and a non-admin cannot create users', async () => {
    for (const route of apiRoutes.filter((r) => r.access !== 'public')) {
      const res = await server.request(
        route.method.toUpperCase(),
        pathFor(route, owned),
        route.body ? { body: {} } : {},
      )
      expect(res.status, `${route.method} ${route.path}`).toBe(401)
      expect(ErrorBody.parse(res.json).error.code).toBe('unauthorized')
    }
    const wrong = await server.request('GET', '/api/v1/squads', {
      token: 'sqd_not_a_real_token_000000000000000000',
    })
    expect(wrong.status).toBe(401)
    const forbidden = await server.request('POST', '/api/v1/users', { token: bob, body: { name: 'mallory' } })
    expect(forbidden.status).toBe(403)
    expect((await fetch(`${server.url}/api/v1/sse/squads/${owned.squad}`)).status).toBe(401)
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401)
    const notAdmin = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${bob}` } })
    expect(notAdmin.status).toBe(403)
    await notAdmin.body?.cancel()
    const admin = server.bootstrapToken ?? ''
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })
    expect(metrics.status).toBe(200)
    await metrics.body?.cancel()
  })

  it('takes access_token from the query string only on the event streams', async () => {
    const viaSse = await fetch(`${server.url}/api/v1/sse/squads/${owned.squad}?access_token=${alice}`)
    expect(viaSse.status).toBe(200)
    await viaSse.body?.cancel()
    for (const path of [
      `/api/v1/squads/${owned.squad}`,
      '/api/v1/squads',
      `/api/v1/executions/${owned.execution}/log`,
      '/metrics',
    ]) {
      const res = await server.request('GET', `${path}?access_token=${alice}`)
      expect(res.status, path).toBe(401)
      expect(ErrorBody.parse(res.json).error.message, path).toMatch(
        /access_token in the query string is accepted only by the event streams/,
      )
    }
    // The header still works on the same routes.
    expect((await server.request('GET', `/api/v1/squads/${owned.squad}`, { token: alice })).status).toBe(200)
  })

  it("refuses an execution's git token on the API: it is for that execution's git commands only", async () => {
    const repo = {
      id: owned.repository,
      squadId: owned.squad,
      name: 'x',
      kind: 'local' as const,
      url: null,
      defaultBranch: 'main',
      credentialSecret: null,
      github: null,
    }
    const credentials = await server.deps.localForge.credentials(repo, { executionId: owned.execution })
    const token = credentials?.httpHeader.replace(/^Authorization: Bearer /, '') ?? ''
    const res = await server.request('GET', `/api/v1/squads/${owned.squad}`, { token })
    expect(res.status).toBe(401)
    expect(ErrorBody.parse(res.json).error.message).toMatch(/minted for one execution's git commands/)
    const reserved = await server.request('POST', '/api/v1/tokens', {
      token: alice,
      body: { name: 'execution:x' },
    })
    expect(reserved.status).toBe(422)
  })
})
