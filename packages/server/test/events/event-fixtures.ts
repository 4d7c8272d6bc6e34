import type { Squad } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import type { Db } from '../../src/db/database.ts'
import { LISTEN_APPLICATION_NAME } from '../../src/db/postgres.ts'
import { taskExecutions, tasks } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import { appendEvents, type NewEvent } from '../../src/events/append-event.ts'
import { readEvents } from '../../src/events/read-events.ts'
import type { StreamKey } from '../../src/events/stream-event.ts'
import type { TestServer } from '../helpers/test-server.ts'

/** Shared set-up for the event and SSE tests: squads through the API, tasks and executions as rows. */

export async function createSquad(server: TestServer, name: string, token?: string): Promise<Squad> {
  const res = await server.request('POST', '/api/v1/squads', { body: { name }, token })
  if (res.status !== 201) throw new Error(`create squad: ${res.status} ${JSON.stringify(res.json)}`)
  return res.json as Squad
}

/** A task and an execution of it, inserted as rows (their use cases are not the subject here). */
export async function createTaskAndExecution(db: Db, squadId: string, number = 1) {
  const [task] = await db
    .insert(tasks)
    .values({ id: newId(), squadId, number, title: `task ${number}` })
    .returning({ id: tasks.id })
  if (!task) throw new Error('no task row')
  const [execution] = await db
    .insert(taskExecutions)
    .values({ id: newId(), taskId: task.id, squadId })
    .returning({ id: taskExecutions.id })
  if (!execution) throw new Error('no execution row')
  return { task: { id: task.id, squadId }, execution: { id: execution.id, taskId: task.id, squadId } }
}

type TaskRef = { id: string; squadId: string }
type ExecutionRef = { id: string; taskId: string; squadId: string }

/** Appends events in one transaction of their own, as a use case does after its state change. */
export const append = (db: Db, ...batch: NewEvent[]) => db.transaction((tx) => appendEvents(tx, batch))

export const squadUpdated = (squad: Squad, name = squad.name): NewEvent => ({
  type: 'squad.updated',
  squadId: squad.id,
  payload: { ...squad, name },
})

/** A task-scoped event whose payload does not depend on the task's DTO (only the transport is tested). */
export const taskEvent = (task: TaskRef): NewEvent => ({
  type: 'task.deleted',
  squadId: task.squadId,
  taskId: task.id,
  payload: { id: task.id },
})

export const logLine = (execution: ExecutionRef, text: string): NewEvent => ({
  type: 'log',
  squadId: execution.squadId,
  taskId: execution.taskId,
  executionId: execution.id,
  payload: { stream: 'stdout', step: null, text },
})

/** Every id of one stream in the log, oldest first: what a client of that stream must end up with. */
export async function logIds(db: Db, key: StreamKey, afterId = 0): Promise<number[]> {
  const events = await readEvents(db, { key, afterId, limit: 1_000_000 })
  return events.map((e) => e.id)
}

/** Polls until `check` holds (for state that settles asynchronously, like a closed socket's cleanup). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Backends of this database's LISTEN connections (Postgres only). */
export async function listenBackendPids(db: Db): Promise<number[]> {
  const result = (await db.execute(
    sql`select pid from pg_stat_activity where application_name = ${LISTEN_APPLICATION_NAME} and datname = current_database()`,
  )) as unknown as { rows: Array<{ pid: number }> }
  return result.rows.map((r) => r.pid)
}
