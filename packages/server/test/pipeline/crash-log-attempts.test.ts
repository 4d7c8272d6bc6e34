import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EventPayload, StreamEvent } from '@agent-squad/contract'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalSandboxProvider } from '../../src/sandbox/local/local-sandbox-provider.ts'
import { createTestDatabase, type TestDatabase, testDbKind } from '../helpers/test-db.ts'
import { createTask, logOf, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'
import {
  finishedStatuses,
  markedProcesses,
  newMarker,
  pipelineSkip,
  replayExecutionStream,
  sleep,
} from './pipeline-probes.ts'
import { type ServeProcess, startServeProcess } from './serve-process.ts'

const TASKS = 3
const FIRST_LIFE_SLEEP = 'sleep 30'
/** The boundary line exactly as docs/api.md ("The execution log") quotes it. */
const BOUNDARY = '— the server restarted; the agent step runs again from the start (attempt 2) —\n'
const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
/** The numbers of the `line N` lines of a text, in order. */
const lineNumbers = (text: string) =>
  text
    .split('\n')
    .map((line) => /^line (\d+)$/.exec(line)?.[1])
    .filter((n) => n !== undefined)
    .map(Number)

type Log = EventPayload<'log'>

/*
 * A server killed while scripts print: the agent step cannot go on where it stopped (its commands
 * died with the server), so it runs again from the start. Its output must not silently repeat: the
 * log marks the boundary once, every entry says which attempt printed it, and output after the
 * restart is coalesced into whole lines like any other (with a secret known to the redactor, each
 * line used to be cut where the redactor held back `longest - 1` characters).
 */
describe.skipIf(pipelineSkip)(
  `the log of a step run again after squad serve was killed (${testDbKind})`,
  () => {
    const children: ServeProcess[] = []
    let world: string | undefined
    let testDb: TestDatabase | undefined
    afterAll(async () => {
      for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL')
      await Promise.all(children.map((c) => c.exited))
      if (world) {
        await new LocalSandboxProvider({ root: join(world, 'data', 'sandboxes', 'local') })
          .cleanupOrphans([])
          .catch(() => {})
        await rm(world, { recursive: true, force: true })
      }
      await testDb?.drop()
    })

    it('marks the boundary once, tells the attempts apart, and keeps every line whole and once per attempt', async () => {
      world = await mkdtemp(join(tmpdir(), 'squad-crash-log-'))
      const dataDir = join(world, 'data')
      testDb = testDbKind === 'postgres' ? await createTestDatabase({ migrate: false }) : undefined
      // A database password, as a production server has one: the server's redactor knows it from the
      // start (local PostgreSQL trusts 127.0.0.1, so the password itself is not checked).
      const databaseUrl = testDb?.url ? new URL(testDb.url) : null
      if (databaseUrl) databaseUrl.password = 'hunter22'
      const env: Record<string, string> = {
        PORT: '0',
        HOST: '127.0.0.1',
        SQUAD_AUTH: 'none',
        SQUAD_DATA_DIR: dataDir,
        SQUAD_LOG_LEVEL: 'warn',
        SQUAD_LOG_FORMAT: 'json',
        SQUAD_LEASE_MS: '3000',
        ...(databaseUrl ? { DATABASE_URL: databaseUrl.toString() } : {}),
      }
      const first = await startServeProcess({ env, cwd: world })
      children.push(first)

      const marker = newMarker('crash-log')
      const { squad, agent, repo } = await setupSquad(first.api, { 'README.md': '# Crash log\n' })
      // A stored secret, which the redactor learns in the agent step, on both databases.
      const secret = await first.api.request('PUT', `/api/v1/squads/${squad.id}/secrets/DEPLOY_TOKEN`, {
        body: { value: 'tok-5f1c2a9e7b3d' },
      })
      expect(secret.status).toBe(201)
      const started = []
      for (let n = 1; n <= TASKS; n++) {
        const task = await createTask(first.api, squad.id, {
          title: `Print lines ${n}`,
          repository_id: repo.id,
          assignee_id: agent.id,
          // Lines 1-8, then the first life waits to be killed; the second prints 1-8 again and then
          // 9-12, slowly (each a flush interval and more apart). Nothing changes: no commit, no push.
          script: [
            `export SQUAD_PROBE=${marker}`,
            'for i in 1 2 3 4 5 6 7 8; do echo "line $i"; sleep 0.05; done',
            `if [ ! -e "$HOME/first-life" ]; then touch "$HOME/first-life"; ${FIRST_LIFE_SLEEP}; fi`,
            'for i in 9 10 11 12; do sleep 0.3; echo "line $i"; done',
          ].join('\n'),
        })
        started.push(await startTask(first.api, task.id))
      }

      // Every script asleep in its first life…
      const deadline = Date.now() + 90_000
      for (;;) {
        if (Date.now() > deadline) throw new Error('the scripts did not all reach their sleep')
        const asleep = (await markedProcesses(marker)).filter((p) => p.command === FIRST_LIFE_SLEEP)
        if (asleep.length === TASKS) break
        for (const e of started) {
          const now = await waitForExecution(first.api, e.id, { until: () => true })
          if (finishedStatuses.has(now.status))
            throw new Error(`${now.status} before the crash: ${now.error}\n${await logOf(first.api, e.id)}`)
        }
        await sleep(200)
      }
      // …with its eight lines stored (a few flush intervals are plenty; a line held back forever,
      // as the redactor did with the tail of each chunk, is caught by the checks below).
      for (let tries = 0; tries < 20; tries++) {
        const logs = await Promise.all(started.map((e) => logOf(first.api, e.id)))
        if (logs.every((log) => log.includes('line 8\n'))) break
        await sleep(100)
      }

      first.child.kill('SIGKILL')
      expect(await first.exited).toBe('SIGKILL')
      const second = await startServeProcess({ env, cwd: world })
      children.push(second)

      for (const e of started) {
        const done = await waitForExecution(second.api, e.id, { timeoutMs: 90_000 })
        const text = await logOf(second.api, e.id)
        expect(done.status, `${done.error}\n${text}`).toBe('no_changes')
        expect(done.steps.find((s) => s.name === 'agent')?.attempt).toBe(2)

        // Soft checks: a failure shows every way the log went wrong, not only the first.
        // The SSE replay: one boundary, where attempt 2 of the agent step begins.
        const stream: StreamEvent[] = await replayExecutionStream(second.url, e.id)
        const logs: Log[] = stream.flatMap((event) => (event.type === 'log' ? [event.payload] : []))
        const boundaries = logs.filter((log) => log.boundary)
        expect
          .soft(boundaries)
          .toEqual([{ stream: 'system', step: 'agent', attempt: 2, boundary: 'restart', text: BOUNDARY }])
        const at = logs.findIndex((log) => log.boundary)
        const resumed = logs.findIndex((log) => log.text.includes('Resumed: re-attached to sandbox'))
        expect.soft(resumed).toBeGreaterThan(-1)
        expect.soft(resumed).toBeLessThan(at)

        // Every entry of the agent step names its attempt: attempt 1's all before the boundary,
        // attempt 2's all after it.
        const agentLogs = logs.map((log, i) => ({ log, i })).filter(({ log }) => log.step === 'agent')
        expect.soft(agentLogs.every(({ log, i }) => log.attempt === (i < at ? 1 : 2))).toBe(true)
        const printed = (attempt: number) =>
          agentLogs
            .filter(({ log }) => log.stream === 'stdout' && log.attempt === attempt)
            .map(({ log }) => log.text)
        // Each line of each attempt exactly once, in order.
        expect.soft(lineNumbers(printed(1).join(''))).toEqual(numbers(1, 8))
        expect.soft(lineNumbers(printed(2).join(''))).toEqual(numbers(1, 12))
        // Coalesced into whole lines: no entry is shorter than a line or cut inside one.
        for (const { log } of agentLogs)
          if (log.stream === 'stdout') expect.soft(log.text).toMatch(/^(line \d+\n)+$/)

        // The plain-text log: the boundary line once, on its own line, attempt 1's lines before it
        // and attempt 2's after it, each once.
        expect.soft(text.split(BOUNDARY)).toHaveLength(2)
        const [before = '', after = ''] = text.split(BOUNDARY)
        expect.soft(before.endsWith('\n')).toBe(true)
        expect.soft(lineNumbers(before)).toEqual(numbers(1, 8))
        expect.soft(lineNumbers(after)).toEqual(numbers(1, 12))
      }

      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0)
    }, 240_000)
  },
)
