import { Agent, Repository, Squad, Task } from '@agent-squad/contract'
import { asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, taskExecutions } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

describe.skipIf(skipReason)('deleting what tasks point at', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  const setup = async () => {
    const squad = Squad.parse((await server.request('POST', '/api/v1/squads', { body: { name: 's' } })).json)
    const agent = Agent.parse(
      (
        await server.request('POST', `/api/v1/squads/${squad.id}/agents`, {
          body: { name: 'a', role: 'backend' },
        })
      ).json,
    )
    const repo = Repository.parse(
      (await server.request('POST', `/api/v1/squads/${squad.id}/repositories`, { body: { name: 'r' } })).json,
    )
    const task = Task.parse(
      (
        await server.request('POST', `/api/v1/squads/${squad.id}/tasks`, {
          body: { title: 't', assignee_id: agent.id, repository_id: repo.id },
        })
      ).json,
    )
    return { squad, agent, repo, task }
  }
  const taskUpdates = async (taskId: string) =>
    (
      await server.db.database.db
        .select()
        .from(events)
        .where(eq(events.taskId, taskId))
        .orderBy(asc(events.id))
    )
      .filter((e) => e.type === 'task.updated')
      .map((e) => Task.parse(e.payload))

  it('an agent deleted: its tasks are unassigned with a task.updated each, before agent.deleted', async () => {
    const { agent, task } = await setup()
    expect((await server.request('DELETE', `/api/v1/agents/${agent.id}`)).status).toBe(204)
    const updates = await taskUpdates(task.id)
    expect(updates.at(-1)?.assignee_id).toBeNull()
    expect(Task.parse((await server.request('GET', `/api/v1/tasks/${task.id}`)).json).assignee_id).toBeNull()
  })

  it('a repository deleted: its tasks lose repository_id with a task.updated each', async () => {
    const { repo, task } = await setup()
    expect((await server.request('DELETE', `/api/v1/repositories/${repo.id}`)).status).toBe(204)
    expect((await taskUpdates(task.id)).at(-1)?.repository_id).toBeNull()
  })

  it('a task with a running execution cannot be deleted (409); once it ends, it can', async () => {
    const { squad, task } = await setup()
    const executionId = newId()
    await server.db.database.db
      .insert(taskExecutions)
      .values({ id: executionId, taskId: task.id, squadId: squad.id, status: 'running' })
    const refused = await server.request('DELETE', `/api/v1/tasks/${task.id}`)
    expect(refused.status).toBe(409)
    expect(refused.json).toMatchObject({
      error: { code: 'conflict', details: { execution_id: executionId } },
    })
    await server.db.database.db
      .update(taskExecutions)
      .set({ status: 'failed' })
      .where(eq(taskExecutions.id, executionId))
    expect((await server.request('DELETE', `/api/v1/tasks/${task.id}`)).status).toBe(204)
  })
})
