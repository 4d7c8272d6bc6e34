import type { ExecutionWithSteps } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { E2bSandboxProvider } from '../../src/sandbox/e2b/e2b-sandbox-provider.ts'
import { type FakeE2B, startFakeE2B } from '../helpers/fake-e2b/index.ts'
import { remoteLikeSandboxes } from '../helpers/remote-like-sandboxes.ts'
import { testDbKind } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { cloneRepo, downloadLog, pipelineSkip, pullsOf, remoteBranchSha } from './git-fixture.ts'
import { createTask, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'

const step = (e: ExecutionWithSteps, name: string) => {
  const found = e.steps.find((s) => s.name === name)
  if (!found) throw new Error(`no step ${name}`)
  return found
}

/**
 * A process the agent leaves running in the VM, looking for the push credential wherever one could
 * be: every process's environment and command line, the workspace's git config, the home's. It
 * writes what it finds to /tmp/stolen.txt (its patterns bracketed so it does not find itself) and its round to /tmp/alive. (On E2B it outlives the
 * agent's command; the fake's sandboxes end a command's processes with it, so here it searches while
 * the agent runs, which is when a credential given to the sandbox would be there to find.)
 */
const PLANTED = [
  "nohup sh -c 'for i in $(seq 1 6000); do",
  'for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do tr "\\0" "\\n" < $f 2>/dev/null; done',
  '| grep -i -E "[a]uthorization|[b]earer|[e]xtraheader" >> /tmp/stolen.txt;',
  'cat "$HOME/.gitconfig" .git/config 2>/dev/null | grep -i -E "[a]uthorization|[b]earer|[e]xtraheader" >> /tmp/stolen.txt;',
  "echo $i > /tmp/alive; sleep 0.05; done' > /dev/null 2>&1 &",
].join(' ')

/**
 * The whole pipeline on the E2B provider (the official SDK) against the local E2B-compatible server,
 * whose sandboxes are real bubblewrap sandboxes: a script task to a pull request on the local forge
 * with the repository handed in and out as bundles. On PostgreSQL only: the database plays no part
 * in what is tested here, and each run is slow.
 */
describe.skipIf(pipelineSkip || testDbKind === 'pglite')('the pipeline on E2B (through the fake E2B)', () => {
  let fake: FakeE2B
  let server: TestServer
  let token: string
  const leftovers: { stolen: string; alive: string }[] = []
  const auth = () => ({ token })
  let remoteLike: ReturnType<typeof remoteLikeSandboxes>

  beforeAll(async () => {
    fake = await startFakeE2B()
    const provider = new E2bSandboxProvider({
      ...fake.sdkOptions,
      template: 'base',
      createsPerSecond: 20,
      rateLimitBaseDelayMs: 100,
    })
    remoteLike = remoteLikeSandboxes({
      provider,
      beforeKill: async (sandbox) => {
        const read = (path: string) => sandbox.files.read(path).catch(() => '')
        leftovers.push({ stolen: await read('/tmp/stolen.txt'), alive: await read('/tmp/alive') })
      },
    })
    server = await startTestServer({
      auth: 'token',
      env: { SQUAD_WORKER: 'true' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
      wrapSandboxes: remoteLike.wrap,
    })
    if (!server.bootstrapToken) throw new Error('token auth gave no bootstrap token')
    token = server.bootstrapToken
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    await fake?.close()
  })

  it('turns a task into a pull request; a 429 on create waits; a process left in the VM finds no credential', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    const task = await createTask(
      server,
      squad.id,
      {
        title: 'Append to a',
        repository_id: repo.id,
        assignee_id: agent.id,
        // The script goes on once the planted process has made one full search.
        script: `${PLANTED} while [ ! -s /tmp/alive ]; do sleep 0.05; done; echo x >> a.txt`,
      },
      auth(),
    )
    fake.inject.rateLimitCreates(2, 1)
    const started = await startTask(server, task.id, auth())
    const done = await waitForExecution(server, started.id, { ...auth(), timeoutMs: 150_000 })
    const log = await downloadLog(server, started.id, token)
    expect(done.status, `${done.error}\n${log}`).toBe('succeeded')
    expect(step(done, 'provision').result).toMatchObject({ provider: 'e2b', transfer: 'bundle' })
    expect(fake.stats.requests()['POST /v2/sandboxes']).toBeGreaterThanOrEqual(3)

    const branch = `task-${task.number}`
    const pushed = await remoteBranchSha(repo, branch, token)
    expect(done.commit_history.map((c) => c.sha)).toEqual([pushed])
    const check = await cloneRepo(repo, { token, branch })
    try {
      expect(await check.git(['show', 'HEAD:a.txt'])).toBe('a\nx')
    } finally {
      check.dispose()
    }
    expect(await pullsOf(server, repo.id, token)).toHaveLength(1)

    // The planted process ran, and found nothing; nothing the sandbox was sent carried a credential.
    expect(leftovers).toHaveLength(1)
    expect(Number(leftovers[0]?.alive.trim())).toBeGreaterThan(0)
    expect(leftovers[0]?.stolen).toBe('')
    const text = remoteLike.sent.map((c) => `${c.cmd}\n${Object.values(c.envs).join('\n')}`).join('\n')
    expect(text).toContain('squad-out.bundle')
    expect(text).not.toMatch(/authorization|extraheader|bearer/i)
    // No sandbox is left behind.
    expect(fake.sandboxes.all()).toHaveLength(0)
  }, 200_000)

  it('a sandbox that dies mid-run fails the run with a clear error, and a retry succeeds', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    const task = await createTask(
      server,
      squad.id,
      {
        title: 'Wait forever',
        repository_id: repo.id,
        assignee_id: agent.id,
        script: 'while [ ! -e /tmp/never ]; do sleep 0.1; done',
      },
      auth(),
    )
    const started = await startTask(server, task.id, auth())
    const running = await waitForExecution(server, started.id, {
      ...auth(),
      until: (e) => step(e, 'agent').status === 'running',
    })
    // As E2B does when a sandbox reaches its end of life: it is gone, its connections cut.
    await fake.inject.killSandbox(String(step(running, 'provision').result?.sandbox_id))
    const failed = await waitForExecution(server, started.id, { ...auth(), timeoutMs: 60_000 })
    expect(failed.status).toBe('failed')
    expect(step(failed, 'agent').status).toBe('failed')
    expect(failed.error ?? '').toMatch(/sandbox/i)

    await server.request('PATCH', `/api/v1/tasks/${task.id}`, {
      ...auth(),
      body: { script: 'echo y >> a.txt' },
    })
    const retry = await startTask(server, task.id, auth())
    const done = await waitForExecution(server, retry.id, { ...auth(), timeoutMs: 150_000 })
    expect(done.status, String(done.error)).toBe('succeeded')
    expect(await pullsOf(server, repo.id, token)).toHaveLength(1)
  }, 250_000)
})
