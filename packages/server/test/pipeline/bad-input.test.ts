import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreatedToken, ErrorBody, ExecutionWithSteps, User } from '@agent-squad/contract'
import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events } from '../../src/db/schema.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createTask, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'
import {
  leftoverProcesses,
  markedProcesses,
  newMarker,
  pipelineSkip,
  sandboxGone,
  sleep,
  waitForProcesses,
} from './pipeline-probes.ts'

/** The agent timeout of the server that runs the scripts meant to hit it. */
const AGENT_TIMEOUT_MS = 5000
/** The local sandbox keeps this much of a command's stdout (and of its stderr). */
const COMMAND_OUTPUT_CAP = 10 * 1024 * 1024
/** The sandbox uid's process limit (RLIMIT_NPROC), which is what contains a fork bomb. */
const NPROC = 512
/** As root each sandbox has its own uid; otherwise its processes are the server's, which a bomb would exhaust. */
const bombSkip =
  process.getuid?.() === 0 ? null : 'a fork bomb needs per-sandbox uids (the server running as root)'

/**
 * A token-auth server (a second user's token proves 404s) with a squad, a script agent and a
 * repository, in a data folder of its own so that what is left in it can be checked.
 */
type RunawayWorld = {
  server: TestServer
  dataDir: string
  owner: string
  stranger: string
  squadId: string
  agentId: string
  repoId: string
  api(method: string, path: string, token?: string, body?: unknown): ReturnType<TestServer['request']>
  newTask(body: Record<string, unknown>): ReturnType<typeof createTask>
  watchResponsiveness(): () => Promise<number>
}

function runawayWorld(env: Record<string, string>): RunawayWorld {
  const world: RunawayWorld = {
    server: undefined as unknown as TestServer,
    dataDir: '',
    owner: '',
    stranger: '',
    squadId: '',
    agentId: '',
    repoId: '',
    api: (method: string, path: string, token = world.owner, body?: unknown) =>
      world.server.request(method, `/api/v1${path}`, { token, ...(body === undefined ? {} : { body }) }),
    newTask: (body: Record<string, unknown>) =>
      createTask(
        world.server,
        world.squadId,
        { repository_id: world.repoId, assignee_id: world.agentId, ...body },
        { token: world.owner },
      ),
    /** Asks for health every 100 ms while something runs; the stop function answers the slowest, in ms. */
    watchResponsiveness() {
      let slowest = 0
      let stopped = false
      const loop = (async () => {
        while (!stopped) {
          const start = performance.now()
          const res = await world.server.request('GET', '/api/v1/health')
          expect(res.status).toBe(200)
          slowest = Math.max(slowest, performance.now() - start)
          await sleep(100)
        }
      })()
      return async () => {
        stopped = true
        await loop
        return Math.round(slowest)
      }
    },
  }
  beforeAll(async () => {
    world.dataDir = await mkdtemp(join(tmpdir(), 'squad-bad-input-'))
    world.server = await startTestServer({
      auth: 'token',
      env: {
        SQUAD_WORKER: 'true',
        SQUAD_DATA_DIR: world.dataDir,
        // Failed sandboxes go at once, so that "nothing left behind" can be checked right away.
        SQUAD_KEEP_FAILED_SANDBOX_MINUTES: '0',
        ...env,
      },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
    world.owner = world.server.bootstrapToken ?? ''
    const user = User.parse((await world.api('POST', '/users', world.owner, { name: 'stranger' })).json)
    const created = await world.api('POST', '/tokens', world.owner, { name: 'stranger', user_id: user.id })
    world.stranger = CreatedToken.parse(created.json).token
    const { squad, agent, repo } = await setupSquad(
      world.server,
      { 'README.md': '# Runaways\n' },
      { token: world.owner },
    )
    world.squadId = squad.id
    world.agentId = agent.id
    world.repoId = repo.id
  })
  afterAll(async () => {
    await world.server?.sandboxes.cleanupOrphans([]).catch(() => {})
    await world.server?.stop()
    if (world.dataDir) await rm(world.dataDir, { recursive: true, force: true })
  })
  return world
}

describe.skipIf(pipelineSkip)(`bad input and runaway scripts (agent timeout ${AGENT_TIMEOUT_MS} ms)`, () => {
  const world = runawayWorld({ SQUAD_AGENT_TIMEOUT_MS: String(AGENT_TIMEOUT_MS) })
  const { api, newTask } = world

  it('refuses to start a task without a repository (422) and another user’s task (404)', async () => {
    const bare = await createTask(
      world.server,
      world.squadId,
      { title: 'No repository', script: 'true' },
      { token: world.owner },
    )
    const noRepo = await api('POST', `/tasks/${bare.id}/executions`, world.owner, {})
    expect(noRepo.status, JSON.stringify(noRepo.json)).toBe(422)
    const body = ErrorBody.parse(noRepo.json)
    expect(body.error.code).toBe('validation_failed')
    expect(body.error.message).toBe(
      'This task has no repository: choose one in its Repository field, then start it',
    )

    const task = await newTask({ title: 'Not yours', script: 'true' })
    const foreign = await api('POST', `/tasks/${task.id}/executions`, world.stranger, {})
    expect(foreign.status, JSON.stringify(foreign.json)).toBe(404)
    expect(ErrorBody.parse(foreign.json).error.code).toBe('not_found')
    // Nothing was queued by either attempt.
    const listed = await api('GET', `/tasks/${task.id}/executions`)
    expect((listed.json as { items: unknown[] }).items).toEqual([])
  })

  it.concurrent('kills a script that never ends at the agent timeout, and refuses a second start meanwhile (409)', async () => {
    const marker = newMarker('forever')
    const task = await newTask({ title: 'Never ends', script: `export SQUAD_PROBE=${marker}\nsleep 100000` })
    const execution = await startTask(world.server, task.id, { token: world.owner })
    await waitForProcesses(marker, (found) => found.some((p) => p.command === 'sleep 100000'), 60_000)

    const again = await api('POST', `/tasks/${task.id}/executions`, world.owner, {})
    expect(again.status, JSON.stringify(again.json)).toBe(409)
    const conflict = ErrorBody.parse(again.json)
    expect(conflict.error.code).toBe('conflict')
    expect(conflict.error.details).toMatchObject({ execution_id: execution.id })
    const foreignCancel = await api('POST', `/executions/${execution.id}/cancel`, world.stranger)
    expect(foreignCancel.status).toBe(404)

    const done = await waitForExecution(world.server, execution.id, { token: world.owner, timeoutMs: 60_000 })
    expect(done.status).toBe('failed')
    expect(done.error).toMatch(/did not finish within 5 s/)
    const agentStep = done.steps.find((s) => s.name === 'agent')
    expect(agentStep?.status).toBe('failed')
    expect(agentStep?.duration_ms).toBeGreaterThanOrEqual(AGENT_TIMEOUT_MS)
    expect(agentStep?.duration_ms).toBeLessThan(AGENT_TIMEOUT_MS + 10_000)
    expect(await leftoverProcesses(marker)).toEqual([])
    expect(await sandboxGone(world.dataDir, done)).toBe(true)
  })

  it.skipIf(bombSkip).concurrent(
    'contains a fork bomb to the sandbox’s process limit, fails it at the timeout, leaves nothing',
    async () => {
      const marker = newMarker('bomb')
      // dash refuses the classic bomb's function name, so bash runs it; a sleep started first keeps the
      // script alive (the bomb's own shell returns at once) until the timeout stops everything.
      const task = await newTask({
        title: 'Fork bomb',
        script: `export SQUAD_PROBE=${marker}\nsleep 100000 &\nbash -c ':(){ :|:& };:'\nwait`,
      })
      const stopWatching = world.watchResponsiveness()
      const execution = await startTask(world.server, task.id, { token: world.owner })
      // It really forks: many processes of the sandbox uid, never more than its limit.
      await waitForProcesses(marker, (found) => found.length > 100, 60_000)
      let most = 0
      for (;;) {
        const found = await markedProcesses(marker)
        most = Math.max(most, found.filter((p) => p.uid >= 200_000).length)
        const now = ExecutionWithSteps.parse((await api('GET', `/executions/${execution.id}`)).json)
        if (now.status !== 'running') break
        await sleep(200)
      }
      expect(most).toBeLessThanOrEqual(NPROC)

      const done = await waitForExecution(world.server, execution.id, {
        token: world.owner,
        timeoutMs: 60_000,
      })
      const slowest = await stopWatching()
      expect(done.status).toBe('failed')
      expect(done.error).toMatch(/did not finish within 5 s/)
      expect(await leftoverProcesses(marker, 5000)).toEqual([])
      expect(await sandboxGone(world.dataDir, done)).toBe(true)
      expect(slowest, 'slowest health answer during the fork bomb (ms)').toBeLessThan(5000)
      console.info(`[bad-input] fork bomb: up to ${most} processes; slowest health answer ${slowest} ms`)
    },
  )
})

// Its own server, with the default agent timeout: getting 10 MiB of output into the event log takes
// longer than the 5 s above (several seconds on PGlite, which runs in the server's own thread).
describe.skipIf(pipelineSkip)('a script that prints 100 MB', () => {
  const world = runawayWorld({})
  const { newTask } = world

  it('cuts a script that prints 100 MB at the output cap; the stored log stays bounded', async () => {
    const task = await newTask({ title: 'Very chatty', script: 'yes | head -c 100000000' })
    const stopWatching = world.watchResponsiveness()
    const execution = await startTask(world.server, task.id, { token: world.owner })
    const done = await waitForExecution(world.server, execution.id, { token: world.owner, timeoutMs: 90_000 })
    const slowest = await stopWatching()
    const agentMs = done.steps.find((s) => s.name === 'agent')?.duration_ms

    expect(done.status).toBe('failed')
    expect(done.error).toMatch(/printed more output than allowed/)
    const [stored] = await world.server.db.database.db
      .select({
        chars: sql<number>`coalesce(sum(length(${events.payload}->>'text')), 0)::bigint`,
        count: sql<number>`count(*)::int`,
      })
      .from(events)
      .where(and(eq(events.executionId, execution.id), eq(events.type, 'log')))
    const chars = Number(stored?.chars)
    // At most what the sandbox keeps of one command's output, plus the pipeline's own lines.
    expect(chars).toBeGreaterThan(COMMAND_OUTPUT_CAP / 2)
    expect(chars).toBeLessThan(COMMAND_OUTPUT_CAP + 64 * 1024)
    expect(chars).toBeLessThan(60 * 1000 * 1000)
    const res = await fetch(`${world.server.url}/api/v1/executions/${execution.id}/log`, {
      headers: { authorization: `Bearer ${world.owner}` },
    })
    const text = await res.text()
    expect(text).toContain('Finished: failed')
    expect(text).toContain('printed more output than allowed')
    expect(slowest, 'slowest health answer while 100 MB were printed (ms)').toBeLessThan(5000)
    console.info(
      `[bad-input] 100 MB script: agent step ${agentMs} ms, ${chars} log characters in ${stored?.count} events; slowest health answer ${slowest} ms`,
    )
  })
})
