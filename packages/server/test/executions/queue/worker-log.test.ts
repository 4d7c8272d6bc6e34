import { eq } from 'drizzle-orm'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { taskExecutions } from '../../../src/db/schema.ts'
import { startWorker } from '../../../src/executions/queue/worker.ts'
import { seedLocalRepository } from '../../helpers/seed-local-repo.ts'
import { skipReason } from '../../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../../helpers/test-server.ts'

type Line = Record<string, unknown> & { level: number; msg: string }

describe.skipIf(skipReason)("the server console: one line per execution start and end, requests' ids", () => {
  let server: TestServer
  const lines: Line[] = []
  let squadId: string
  let repoId: string

  const post = async <T>(path: string, body?: unknown) => {
    const res = await server.request('POST', path, body === undefined ? {} : { body })
    expect(res.status, JSON.stringify(res.json)).toBeLessThan(300)
    return res.json as T
  }
  const waitFor = async (match: (line: Line) => boolean) => {
    for (let i = 0; i < 200 && !lines.some(match); i++) await new Promise((r) => setTimeout(r, 25))
    return lines.find(match)
  }

  beforeAll(async () => {
    // No worker of the server's own: the test runs one whose "pipeline" ends the way each case needs.
    server = await startTestServer({
      logger: pino({ level: 'debug' }, { write: (text: string) => void lines.push(JSON.parse(text)) }),
    })
    squadId = (await post<{ id: string }>('/api/v1/squads', { name: 'Core' })).id
    repoId = (await post<{ id: string }>(`/api/v1/squads/${squadId}/repositories`, { name: 'hello' })).id
    await seedLocalRepository(server, { squad_id: squadId, name: 'hello' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  const runOne = async (title: string, end: { status: string; pullRequestUrl?: string; error?: string }) => {
    const task = await post<{ id: string; number: number }>(`/api/v1/squads/${squadId}/tasks`, {
      title,
      repository_id: repoId,
      script: 'true',
    })
    const execution = await post<{ id: string }>(`/api/v1/tasks/${task.id}/executions`)
    const db = server.deps.database.db
    const worker = await startWorker({
      database: server.deps.database,
      logger: server.deps.logger,
      concurrency: 1,
      defaultSquadConcurrency: 1,
      pollMs: 50,
      run: async (row) => {
        await new Promise((r) => setTimeout(r, 30))
        await db
          .update(taskExecutions)
          .set({ ...end, finishedAt: new Date() })
          .where(eq(taskExecutions.id, row.id))
      },
    })
    const ended = await waitFor((l) => l.execution === execution.id && l.msg !== 'execution started')
    await worker.stop()
    return { task, execution, ended }
  }

  it('says when an execution starts and how it ended: task, status, duration, pull request', async () => {
    const { task, execution, ended } = await runOne('Bump dependencies', {
      status: 'succeeded',
      pullRequestUrl: 'http://127.0.0.1:8000/repositories/x/pulls/1',
    })
    const started = lines.find((l) => l.execution === execution.id && l.msg === 'execution started')
    expect(started).toMatchObject({
      level: 30,
      task: `#${task.number}`,
      title: 'Bump dependencies',
      attempt: 1,
      reason: 'start',
    })
    expect(ended).toMatchObject({
      level: 30,
      msg: 'execution succeeded',
      task: `#${task.number}`,
      status: 'succeeded',
      duration: expect.stringMatching(/^\d+\.\ds$/),
      pr: 'http://127.0.0.1:8000/repositories/x/pulls/1',
    })
    expect(lines.indexOf(started as Line)).toBeLessThan(lines.indexOf(ended as Line))
  })

  it('logs a failure as an error, with what went wrong', async () => {
    const { task, ended } = await runOne('Break things', { status: 'failed', error: 'push: rejected' })
    expect(ended).toMatchObject({
      level: 50,
      msg: 'execution failed',
      task: `#${task.number}`,
      status: 'failed',
      error: 'push: rejected',
    })
  })

  it('keeps requests at debug, each with the request id its answer carries', async () => {
    const res = await fetch(`${server.url}/api/v1/squads/${squadId}`, {
      headers: { 'x-request-id': 'abc-123' },
    })
    expect(res.headers.get('x-request-id')).toBe('abc-123')
    const mine = await fetch(`${server.url}/api/v1/health`)
    const id = mine.headers.get('x-request-id')
    expect(id).toMatch(/^[0-9a-f]{12}$/)
    expect(await waitFor((l) => l.request_id === 'abc-123')).toMatchObject({
      level: 20,
      msg: `GET /api/v1/squads/${squadId}`,
      status: 200,
    })
    expect(await waitFor((l) => l.request_id === id)).toMatchObject({ level: 20, msg: 'GET /api/v1/health' })
    expect(lines.filter((l) => typeof l.request_id === 'string' && l.level > 20)).toEqual([])
  })
})
