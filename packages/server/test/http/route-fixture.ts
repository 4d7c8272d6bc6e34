import { Agent, Repository, Squad, Task } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import { executionSteps, pullRequests, taskExecutions } from '../../src/db/schema.ts'
import { newId } from '../../src/domain/ids.ts'
import type { AnyRoute } from '../../src/http/route.ts'
import type { TestServer } from '../helpers/test-server.ts'

export type Resources = {
  squad: string
  agent: string
  repository: string
  task: string
  execution: string
  token: string
  pullNumber: number
}

/** One of every resource, owned by the user behind `token` (or the local user), to aim requests at. */
export async function createResources(server: TestServer, token?: string): Promise<Resources> {
  const auth = token ? { token } : {}
  const post = async (path: string, body: unknown) => {
    const res = await server.request('POST', path, { ...auth, body })
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.json)}`)
    return res.json
  }
  const squad = Squad.parse(await post('/api/v1/squads', { name: 'owned' }))
  const agent = Agent.parse(await post(`/api/v1/squads/${squad.id}/agents`, { name: 'a', role: 'backend' }))
  const repository = Repository.parse(await post(`/api/v1/squads/${squad.id}/repositories`, { name: 'r' }))
  const task = Task.parse(
    await post(`/api/v1/squads/${squad.id}/tasks`, {
      title: 't',
      repository_id: repository.id,
      assignee_id: agent.id,
    }),
  )
  const created = (await post('/api/v1/tokens', { name: 'fixture' })) as { id: string }
  const execution = newId()
  const db = server.db.database.db
  await db
    .insert(taskExecutions)
    .values({ id: execution, taskId: task.id, squadId: squad.id, status: 'succeeded' })
  await db.insert(executionSteps).values({ id: newId(), executionId: execution, name: 'provision', seq: 0 })
  await db.insert(pullRequests).values({
    id: newId(),
    repositoryId: repository.id,
    squadId: squad.id,
    taskId: task.id,
    number: 1,
    title: 'pr',
    head: 'task-1',
    base: 'main',
    state: 'closed',
  })
  return {
    squad: squad.id,
    agent: agent.id,
    repository: repository.id,
    task: task.id,
    execution,
    token: created.id,
    pullNumber: 1,
  }
}

const kindByPrefix: Record<string, keyof Resources> = {
  squads: 'squad',
  agents: 'agent',
  repositories: 'repository',
  tasks: 'task',
  executions: 'execution',
  tokens: 'token',
}

/** The route's path with its parameters filled from `resources`. */
export function pathFor(
  route: AnyRoute,
  resources: Resources,
  override?: { id?: string; number?: string },
): string {
  const prefix = route.path.split('/')[1] ?? ''
  const kind = kindByPrefix[prefix]
  return `/api/v1${route.path
    .replace(':id', override?.id ?? (kind ? String(resources[kind]) : ''))
    .replace(':number', override?.number ?? String(resources.pullNumber))
    .replace(':name', 'FIXTURE_SECRET')}`
}

const tables = [
  'users',
  'api_tokens',
  'squads',
  'squad_members',
  'repositories',
  'tasks',
  'task_executions',
  'execution_steps',
  'pull_requests',
  'sandboxes',
  'secrets',
  'events',
]

/** A fingerprint of every table's rows: equal fingerprints mean nothing was written. */
export async function databaseFingerprint(server: TestServer): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of tables) {
    // api_tokens.last_used_at moves when a token is used, by design: leave that column out.
    const rows =
      table === 'api_tokens' ? '(select id, user_id, name, token_hash, revoked_at from api_tokens)' : table
    const result = await server.db.database.db.execute(
      sql.raw(
        `select count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as f from ${rows} t`,
      ),
    )
    out[table] = String((result as unknown as { rows: { f: string }[] }).rows[0]?.f)
  }
  return out
}
