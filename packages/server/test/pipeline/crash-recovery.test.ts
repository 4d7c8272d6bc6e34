import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ExecutionWithSteps } from '@agent-squad/contract'
import { asc, eq } from 'drizzle-orm'
import { afterAll, describe, expect, it } from 'vitest'
import type { Database } from '../../src/db/database.ts'
import { openPglite } from '../../src/db/pglite.ts'
import { events } from '../../src/db/schema.ts'
import { LocalSandboxProvider } from '../../src/sandbox/local/local-sandbox-provider.ts'
import { createTestDatabase, type TestDatabase, testDbKind } from '../helpers/test-db.ts'
import { createTask, logOf, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'
import {
  finishedStatuses,
  type HostProcess,
  leftoverProcesses,
  logText,
  markedProcesses,
  newMarker,
  pipelineSkip,
  pullsOf,
  replayExecutionStream,
  sandboxFolders,
  sleep,
} from './pipeline-probes.ts'
import { type ServeProcess, startServeProcess } from './serve-process.ts'

const TASKS = 5
/** The first life of each script waits this long: far longer than it takes to crash the server. */
const FIRST_LIFE_SLEEP = 'sleep 30'

describe.skipIf(pipelineSkip)(`crash recovery of squad serve (${testDbKind})`, () => {
  const children: ServeProcess[] = []
  let world: string | undefined
  let testDb: TestDatabase | undefined
  afterAll(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL')
    await Promise.all(children.map((c) => c.exited))
    if (world) {
      // A failed run may leave sandboxes (processes, overlay mounts): remove them before the folder.
      await new LocalSandboxProvider({ root: join(world, 'data', 'sandboxes', 'local') })
        .cleanupOrphans([])
        .catch(() => {})
      await rm(world, { recursive: true, force: true })
    }
    await testDb?.drop()
  })

  it('resumes five executions killed mid-agent: one PR each, nothing orphaned, no gap in their streams', async () => {
    world = await mkdtemp(join(tmpdir(), 'squad-crash-'))
    const dataDir = join(world, 'data')
    // Postgres: a fresh database the child connects to, and a short lease so that the restarted
    // server need not wait 15 s to take the crashed one's executions over. PGlite needs neither.
    testDb = testDbKind === 'postgres' ? await createTestDatabase({ migrate: false }) : undefined
    const env: Record<string, string> = {
      PORT: '0',
      HOST: '127.0.0.1',
      SQUAD_AUTH: 'none',
      SQUAD_DATA_DIR: dataDir,
      SQUAD_LOG_LEVEL: 'warn',
      SQUAD_LOG_FORMAT: 'json',
      SQUAD_MAX_CONCURRENCY: String(TASKS),
      SQUAD_SQUAD_CONCURRENCY: String(TASKS),
      SQUAD_LEASE_MS: '3000',
      ...(testDb?.url ? { DATABASE_URL: testDb.url } : {}),
    }
    const first = await startServeProcess({ env, cwd: world })
    children.push(first)

    const marker = newMarker('crash')
    const { squad, agent, repo } = await setupSquad(first.api, { 'README.md': '# Crash test\n' })
    const tasks = []
    for (let n = 1; n <= TASKS; n++)
      tasks.push(
        await createTask(first.api, squad.id, {
          title: `Write file ${n}`,
          repository_id: repo.id,
          assignee_id: agent.id,
          // The sandbox's home survives a crash with the sandbox: the first life waits to be killed,
          // the resumed one goes straight on.
          script: [
            `export SQUAD_PROBE=${marker}`,
            `if [ ! -e "$HOME/first-life" ]; then touch "$HOME/first-life"; ${FIRST_LIFE_SLEEP}; fi`,
            `echo change-${n} > file-${n}.txt`,
          ].join('\n'),
        }),
      )
    expect(tasks.map((t) => t.number)).toEqual([1, 2, 3, 4, 5])
    const started = await Promise.all(tasks.map((task) => startTask(first.api, task.id)))

    // All five are in the agent step, their scripts asleep in their sandboxes (an execution that
    // ends first fails the test at once, with its log).
    const deadline = Date.now() + 90_000
    let asleep: HostProcess[] = []
    while (asleep.filter((p) => p.command === FIRST_LIFE_SLEEP).length < TASKS) {
      if (Date.now() > deadline) throw new Error(`not all five asleep: ${JSON.stringify(asleep, null, 2)}`)
      for (const execution of started) {
        const now = await waitForExecution(first.api, execution.id, { until: () => true })
        if (finishedStatuses.has(now.status))
          throw new Error(`${now.status} before the crash: ${now.error}\n${await logOf(first.api, now.id)}`)
      }
      await sleep(200)
      asleep = await markedProcesses(marker)
    }
    expect(asleep.some((p) => p.uid === 0 && p.command.includes('bwrap'))).toBe(true)
    for (const execution of started) {
      const now = await waitForExecution(first.api, execution.id, { until: () => true })
      expect(now.status).toBe('running')
      expect(now.steps.find((s) => s.name === 'agent')?.status).toBe('running')
    }
    expect(await sandboxFolders(dataDir)).toHaveLength(TASKS)

    // The host side of each sandbox (bwrap, working in the sandbox's folder) is visible too.
    expect((await markedProcesses('no marker', { within: dataDir })).length).toBeGreaterThanOrEqual(TASKS)

    first.child.kill('SIGKILL')
    expect(await first.exited).toBe('SIGKILL')
    const killedAt = Date.now()
    // The crash takes every sandbox process with it (nothing is left to fight the resumed run)…
    const orphans = await leftoverProcesses(marker, 5000, { within: dataDir })
    const orphansGoneMs = Date.now() - killedAt
    expect(orphans, JSON.stringify(orphans, null, 2)).toEqual([])
    // …while the sandboxes themselves stay, to be re-attached.
    expect(await sandboxFolders(dataDir)).toHaveLength(TASKS)

    const restartedAt = Date.now()
    const second = await startServeProcess({ env, cwd: world })
    children.push(second)
    const done: ExecutionWithSteps[] = await Promise.all(
      started.map((e) => waitForExecution(second.api, e.id, { timeoutMs: 90_000 })),
    )
    const recoveryMs = Date.now() - restartedAt

    for (const [i, execution] of done.entries()) {
      const n = i + 1
      expect(execution.status, `${execution.error}\n${await logOf(second.api, execution.id)}`).toBe(
        'succeeded',
      )
      // Resumed from its last finished step: the sandbox was built once, the agent ran twice.
      const attempts = Object.fromEntries(execution.steps.map((s) => [s.name, [s.status, s.attempt]]))
      const warnings = second
        .output()
        .split('\n')
        .filter((line) => /"level":(40|50|60)/.test(line))
      expect(attempts, `${await logOf(second.api, execution.id)}\n${warnings.join('\n')}`).toEqual({
        provision: ['succeeded', 1],
        clone: ['succeeded', 1],
        branch: ['succeeded', 1],
        agent: ['succeeded', 2],
        commit: ['succeeded', 1],
        push: ['succeeded', 1],
        pull_request: ['succeeded', 1],
        cleanup: ['succeeded', 1],
      })
      expect(execution.git_branch).toBe(`task-${n}`)
      expect(execution.commit_history).toHaveLength(1)
    }

    // Exactly one pull request per task, on its own branch.
    const pulls = await pullsOf(second.api, repo.id)
    expect(pulls.map((p) => p.head).sort()).toEqual(tasks.map((t) => `task-${t.number}`))
    for (const [i, execution] of done.entries()) {
      const pull = pulls.find((p) => p.head === `task-${i + 1}`)
      expect(pull).toMatchObject({ task_id: tasks[i]?.id, execution_id: execution.id, state: 'open' })
      expect(execution.pull_request_url).toBe(pull?.url)
    }

    // Nothing left behind: no sandbox folder, no process.
    expect(await sandboxFolders(dataDir)).toEqual([])
    expect(await markedProcesses(marker, { within: dataDir })).toEqual([])

    // Each execution's stream, replayed from the start, tells the whole story in order: both lives,
    // the resume in between, up to its final state.
    const replays = new Map<string, number[]>()
    for (const execution of done) {
      const stream = await replayExecutionStream(second.url, execution.id)
      const ids = stream.map((event) => event.id)
      expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as number))).toBe(true)
      expect(new Set(ids).size).toBe(ids.length)
      const log = logText(stream)
      expect(log).toContain(`Resumed: re-attached to sandbox ${execution.steps[0]?.result?.sandbox_id}`)
      expect(log.match(/Execution \S+ \(attempt 1\)/g)).toHaveLength(2)
      // The agent step ran twice: the log says where its second attempt starts, once.
      expect(log.split('\n').filter((line) => line.includes('the server restarted'))).toEqual([
        '— the server restarted; the agent step runs again from the start (attempt 2) —',
      ])
      expect(stream.at(-1)).toMatchObject({ type: 'execution.updated', payload: { status: 'succeeded' } })
      replays.set(execution.id, ids)
    }

    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)

    // No gap: the replays hold every event the database has for each execution, none missing.
    const database: Database = testDb ? testDb.database : await openPglite(join(dataDir, 'pglite'))
    try {
      for (const [executionId, ids] of replays) {
        const stored = await database.db
          .select({ id: events.id })
          .from(events)
          .where(eq(events.executionId, executionId))
          .orderBy(asc(events.id))
        expect(stored.map((row) => row.id)).toEqual(ids)
      }
    } finally {
      if (!testDb) await database.close()
    }
    console.info(
      `[crash-recovery ${testDbKind}] sandbox processes gone ${orphansGoneMs} ms after the SIGKILL; restart to five PRs ${recoveryMs} ms`,
    )
  }, 240_000)
})
