import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Execution, ExecutionWithSteps, Task } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createTask, logOf, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'
import {
  leftoverProcesses,
  newMarker,
  pipelineSkip,
  sandboxGone,
  waitForProcesses,
} from './pipeline-probes.ts'

describe.skipIf(pipelineSkip)(
  'the queue and cancelling, one execution at a time (SQUAD_MAX_CONCURRENCY=1)',
  () => {
    let server: TestServer
    let dataDir: string
    let squadId: string
    let agentId: string
    let repoId: string
    const newTask = (title: string, script: string) =>
      createTask(server, squadId, { title, script, repository_id: repoId, assignee_id: agentId })
    const get = async (executionId: string) =>
      ExecutionWithSteps.parse((await server.request('GET', `/api/v1/executions/${executionId}`)).json)
    const taskStatus = async (taskId: string) =>
      Task.parse((await server.request('GET', `/api/v1/tasks/${taskId}`)).json).status
    const cancel = async (executionId: string) => {
      const res = await server.request('POST', `/api/v1/executions/${executionId}/cancel`)
      expect(res.status, JSON.stringify(res.json)).toBe(202)
      return Execution.parse(res.json)
    }

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'squad-queue-'))
      server = await startTestServer({
        env: { SQUAD_WORKER: 'true', SQUAD_DATA_DIR: dataDir, SQUAD_MAX_CONCURRENCY: '1' },
        engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
      })
      const { squad, agent, repo } = await setupSquad(server, { 'README.md': '# Queue\n' })
      squadId = squad.id
      agentId = agent.id
      repoId = repo.id
    })
    afterAll(async () => {
      await server?.sandboxes.cleanupOrphans([]).catch(() => {})
      await server?.stop()
      if (dataDir) await rm(dataDir, { recursive: true, force: true })
    })

    it('runs three tasks started at once one after another, the others waiting in line', async () => {
      const tasks = await Promise.all(
        [1, 2, 3].map((n) => newTask(`Queued ${n}`, `sleep 1; echo ${n} > queued-${n}.txt`)),
      )
      const started = await Promise.all(tasks.map((task) => startTask(server, task.id)))
      // The line is the order the starts were queued in.
      const line = [...started].sort(
        (a, b) => a.queued_at.localeCompare(b.queued_at) || a.id.localeCompare(b.id),
      )
      const [first, second, third] = line as [Execution, Execution, Execution]
      await waitForExecution(server, first.id, { until: (e) => e.status === 'running' })
      const waiting = await Promise.all([get(second.id), get(third.id)])
      expect(waiting.map((e) => [e.status, e.queue_position])).toEqual([
        ['queued', 1],
        ['queued', 2],
      ])
      expect((await get(first.id)).queue_position).toBeNull()

      const done = await Promise.all(line.map((e) => waitForExecution(server, e.id, { timeoutMs: 90_000 })))
      for (const execution of done)
        expect(execution.status, `${execution.error}\n${await logOf(server, execution.id)}`).toBe('succeeded')
      // In order, and never two at once: each started after the one before it had finished.
      for (let i = 1; i < done.length; i++)
        expect(Date.parse(done[i]?.started_at ?? '')).toBeGreaterThanOrEqual(
          Date.parse(done[i - 1]?.finished_at ?? ''),
        )
    }, 120_000)

    it('cancels a queued execution at once and a running one within seconds; cancelling twice is harmless', async () => {
      const marker = newMarker('cancel')
      const long = await newTask(
        'Runs long',
        `export SQUAD_PROBE=${marker}\nsleep 30\necho never > never.txt`,
      )
      const running = await startTask(server, long.id)
      await waitForProcesses(marker, (found) => found.some((p) => p.command === 'sleep 30'), 60_000)
      expect((await get(running.id)).steps.find((s) => s.name === 'agent')?.status).toBe('running')

      // Queued behind it, then cancelled: at once, without ever running.
      const next = await newTask('Waits', 'echo waited > waited.txt')
      const queued = await startTask(server, next.id)
      expect((await get(queued.id)).queue_position).toBe(1)
      const cancelledQueued = await cancel(queued.id)
      expect(cancelledQueued).toMatchObject({ status: 'cancelled', queue_position: null })
      expect(cancelledQueued.finished_at).not.toBeNull()
      expect(await taskStatus(next.id)).toBe('cancelled')
      const again = await cancel(queued.id)
      expect(again).toMatchObject({ status: 'cancelled', updated_at: cancelledQueued.updated_at })
      const neverRan = await get(queued.id)
      expect(neverRan.started_at).toBeNull()
      expect(neverRan.steps.every((s) => s.status === 'pending')).toBe(true)

      // The running one: its processes stop, its sandbox goes, the task lands in "cancelled".
      const cancelAt = Date.now()
      const requested = await cancel(running.id)
      expect(requested.status).toBe('running') // stopping happens in the worker, reported by events
      const done = await waitForExecution(server, running.id, { timeoutMs: 30_000 })
      const stopMs = Date.now() - cancelAt
      expect(done.status).toBe('cancelled')
      expect(done.error).toBe('Cancelled')
      expect(stopMs).toBeLessThan(8000)
      expect(done.steps.find((s) => s.name === 'cleanup')).toMatchObject({
        status: 'succeeded',
        result: { outcome: 'cancelled', destroyed: true },
      })
      // The step it stopped says cancelled, not failed.
      expect(done.steps.find((s) => s.name === 'agent')).toMatchObject({
        status: 'cancelled',
        error: 'Cancelled',
      })
      expect(await leftoverProcesses(marker)).toEqual([])
      expect(await sandboxGone(dataDir, done)).toBe(true)
      expect(await taskStatus(long.id)).toBe('cancelled')
      const twice = await cancel(running.id)
      expect(twice).toMatchObject({ status: 'cancelled', updated_at: done.updated_at })
      expect((await get(running.id)).status).toBe('cancelled')
      console.info(`[cancel-queue] running execution stopped ${stopMs} ms after its cancel`)
    }, 120_000)
  },
)
