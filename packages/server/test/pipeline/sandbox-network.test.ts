import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { PullRequest } from '@agent-squad/contract'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events } from '../../src/db/schema.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createTask, logOf, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'

const has = (tool: string) => {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const skip =
  skipReason ??
  (!has('bwrap')
    ? 'bubblewrap is not installed (apt-get install bubblewrap)'
    : !existsSync('/usr/bin/socat')
      ? 'socat is not installed (apt-get install socat)'
      : !has('curl')
        ? 'curl is not installed (apt-get install curl)'
        : null)

/*
 * The attacks of the sandbox security review, made by a task script against a real `squad serve`
 * in its default mode (auth off on loopback) with the network on: the server's API, its git HTTP,
 * the PostgreSQL port, each directly and through the sandbox's egress proxy. None may arrive; the
 * run itself still pushes its branch and opens its pull request (the pipeline reaches its forge
 * with a policy of its own), and the refusals show in the log and as events.
 */
describe.skipIf(skip)('the sandbox network in a real run', () => {
  let server: TestServer
  let allowed: Server
  let allowedPort: number
  const allowedHits: string[] = []
  beforeAll(async () => {
    server = await startTestServer({
      env: { SQUAD_WORKER: 'true' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
    allowed = createServer((req, res) => {
      allowedHits.push(req.url ?? '')
      res.end('ok\n')
    })
    await new Promise<void>((resolve) => allowed.listen(0, '127.0.0.1', resolve))
    allowedPort = (allowed.address() as { port: number }).port
  })
  afterAll(async () => {
    await server?.stop()
    await new Promise<void>((resolve) => allowed?.close(() => resolve()))
  })

  it("a task script reaches neither the server's API, its git, nor PostgreSQL; the run still opens its PR", async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' })
    const patched = await server.request('PATCH', `/api/v1/squads/${squad.id}`, {
      body: { config: { network: 'internet', network_allowlist: [`127.0.0.1:${allowedPort}`] } },
    })
    expect(patched.status).toBe(200)
    const api = `${server.url}/api/v1/squads`
    const clone = repo.clone_url as string
    // Each probe prints `<label> <what happened>`; a 2xx, a listing or "pushed" would be a breach.
    const viaProxy = `--noproxy '' -x "$HTTP_PROXY"`
    const script = [
      `echo "api-direct $(curl -s -m 3 -o /dev/null -w '%{http_code}' ${api})"`,
      `echo "api-proxy $(curl -s -m 3 ${viaProxy} -o /dev/null -w '%{http_code}' ${api})"`,
      `echo "merge-proxy $(curl -s -m 3 ${viaProxy} -X POST -o /dev/null -w '%{http_code}' ${server.url}/api/v1/repositories/${repo.id}/pulls/1/merge)"`,
      `git ls-remote ${clone} >/dev/null 2>&1 && echo "git-direct listed" || echo "git-direct refused"`,
      `NO_PROXY= no_proxy= git -c http.proxy="$HTTP_PROXY" ls-remote ${clone} >/dev/null 2>&1 && echo "git-proxy listed" || echo "git-proxy refused"`,
      'git checkout -q -b evil',
      `NO_PROXY= no_proxy= git -c http.proxy="$HTTP_PROXY" push -q ${clone} HEAD:refs/heads/master >/dev/null 2>&1 && echo "git-push pushed" || echo "git-push refused"`,
      'git checkout -q -',
      `(echo > /dev/tcp/127.0.0.1/5432) 2>/dev/null && echo "pg-direct connected" || echo "pg-direct refused"`,
      `echo "pg-proxy $(curl -s -m 3 ${viaProxy} -p -o /dev/null -w '%{http_connect}' telnet://127.0.0.1:5432 </dev/null)"`,
      `echo "allowed $(curl -s -m 3 ${viaProxy} -o /dev/null -w '%{http_code}' http://127.0.0.1:${allowedPort}/hello)"`,
      'echo probed > probed.txt',
    ].join('\n')
    const task = await createTask(server, squad.id, {
      title: 'Probe the network',
      repository_id: repo.id,
      assignee_id: agent.id,
      script,
    })
    const started = await startTask(server, task.id)
    const done = await waitForExecution(server, started.id, { timeoutMs: 90_000 })
    const log = await logOf(server, started.id)
    expect(done.status, log).toBe('succeeded')

    expect(log).toContain('api-direct 000')
    expect(log).toContain('api-proxy 403')
    expect(log).toContain('merge-proxy 403')
    expect(log).toContain('git-direct refused')
    expect(log).toContain('git-proxy refused')
    expect(log).toContain('git-push refused')
    expect(log).toContain('pg-direct refused')
    expect(log).toContain('pg-proxy 403')
    expect(log).toContain('allowed 200')
    expect(allowedHits).toEqual(['/hello'])
    expect(log).toMatch(/Blocked connection to 127\.0\.0\.1:5432: 127\.0\.0\.1 is not a public address/)

    const rows = await server.deps.database.db
      .select()
      .from(events)
      .where(and(eq(events.executionId, started.id), eq(events.type, 'sandbox.connection_blocked')))
    const destinations = rows.map((row) => {
      const payload = row.payload as { host: string; port: number }
      return `${payload.host}:${payload.port}`
    })
    const serverPort = new URL(server.url).port
    expect(destinations).toEqual(expect.arrayContaining([`127.0.0.1:${serverPort}`, '127.0.0.1:5432']))

    // Nothing reached the forge's default branch; the run's own branch and PR are there.
    const branches = await server.request('GET', `/api/v1/repositories/${repo.id}/branches`)
    if (branches.status === 200) expect(JSON.stringify(branches.json)).not.toContain('"evil"')
    const pulls = await server.request('GET', `/api/v1/repositories/${repo.id}/pulls`)
    const items = (pulls.json as { items: unknown[] }).items.map((p) => PullRequest.parse(p))
    expect(items.map((p) => p.head)).toEqual([`task-${task.number}`])
  })
})
