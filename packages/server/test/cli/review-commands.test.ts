import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Agent, Review, Task } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { taskExecutions } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

const bin = fileURLToPath(new URL('../../bin/squad.js', import.meta.url))

async function squad(args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
      timeout: 20_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

describe.skipIf(skipReason)('squad task review', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('records a review from the terminal; changes requested queue the revision it names', async () => {
    const post = async (path: string, body: unknown) => (await server.request('POST', path, { body })).json
    const squadId = ((await post('/api/v1/squads', { name: 'cli review' })) as { id: string }).id
    const agent = Agent.parse(await post(`/api/v1/squads/${squadId}/agents`, { name: 'Bo', role: 'backend' }))
    const task = Task.parse(
      await post(`/api/v1/squads/${squadId}/tasks`, { title: 'T', assignee_id: agent.id }),
    )
    await server.db.database.db.insert(taskExecutions).values({
      id: newId(),
      taskId: task.id,
      squadId,
      agentId: agent.id,
      status: 'succeeded',
      gitBranch: `task-${task.number}`,
      pullRequestUrl: '/pulls/1',
    })
    const url = ['--url', server.url]

    const none = await squad(['task', 'review', task.id, ...url])
    expect(none.code).not.toBe(0)
    expect(none.stderr).toContain('Choose one of --request-changes')

    const asked = await squad(['task', 'review', task.id, '--request-changes', 'Handle empty input.', ...url])
    expect(asked.code, asked.stderr).toBe(0)
    const reviewId = asked.stdout.trim()
    const [listed] = (
      (await server.request('GET', `/api/v1/tasks/${task.id}/reviews`)).json as { items: unknown[] }
    ).items.map((r) => Review.parse(r))
    expect(listed).toMatchObject({ id: reviewId, verdict: 'changes_requested', body: 'Handle empty input.' })
    expect(asked.stderr).toContain(`revision queued: squad task watch ${listed?.follow_up_execution_id}`)
    const [queued] = await server.db.database.db
      .select()
      .from(taskExecutions)
      .where(eq(taskExecutions.id, listed?.follow_up_execution_id ?? ''))
    expect(queued?.runReason).toBe('revision')

    // A second request for changes while the revision waits is refused with the server's reason.
    const busy = await squad(['task', 'review', task.id, '--request-changes', 'More.', ...url])
    expect(busy.code).not.toBe(0)
    expect(busy.stderr).toContain('already has an execution queued or running')
    const approved = await squad(['task', 'review', task.id, '--approve', ...url])
    expect(approved.code, approved.stderr).toBe(0)
    expect(approved.stderr).toContain('(approved)')
  })
})
