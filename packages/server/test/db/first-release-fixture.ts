import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import type { Database } from '../../src/db/database.ts'

// A board as the first releases left it, written with plain SQL against their schema: the rows
// of migration 0000 (before pull requests and secrets existed), then those of 0001. Event payloads
// are the shapes those releases sent (a task had no blocked_by, an execution no run_reason, a log
// line no attempt), stored as they were.

const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`
export const ids = {
  admin: id(1),
  squad: id(10),
  otherSquad: id(11),
  agent: id(20),
  reviewer: id(21),
  repo: id(30),
  tasks: [id(40), id(41), id(42)] as const,
  executions: [id(50), id(51)] as const,
  sandbox: id(60),
  pull: id(70),
  secret: id(80),
}
export const SECRET_KEY = Buffer.alloc(32, 7)
export const SECRET_VALUE = 'ghp_first-release-token'
const at = (minute: number) => `2026-11-26T10:${String(minute).padStart(2, '0')}:00.000Z`
const steps = ['provision', 'clone', 'branch', 'agent', 'commit', 'push', 'pull_request', 'cleanup']

const run = (database: Database, query: ReturnType<typeof sql>) => database.db.execute(query)
const json = (value: unknown) => JSON.stringify(value)

/** The events of the first release, in the order it appended them. */
export function firstReleaseEvents() {
  const squadDto = {
    id: ids.squad,
    user_id: ids.admin,
    org_id: null,
    name: 'Core',
    description: 'the team',
    status: 'active',
    config: { max_concurrency: 2 },
    created_at: at(0),
    updated_at: at(0),
  }
  const taskDto = (n: number) => ({
    id: ids.tasks[n],
    squad_id: ids.squad,
    number: n + 1,
    title: `Task ${n + 1}`,
    description: '',
    status: n === 0 ? 'in_review' : 'todo',
    position: n,
    priority: 'medium',
    labels: ['bug'],
    repository_id: ids.repo,
    assignee_id: ids.agent,
    parent_task_id: n === 2 ? ids.tasks[0] : null,
    script: 'echo hi > hi.txt',
    created_at: at(1),
    updated_at: at(1),
  })
  const execution = {
    id: ids.executions[0],
    task_id: ids.tasks[0],
    squad_id: ids.squad,
    agent_id: ids.agent,
    attempt: 1,
    status: 'succeeded',
    git_branch: 'task-1',
    base_commit: 'a'.repeat(40),
    pull_request_url: 'http://127.0.0.1:8000/pulls/1',
    commit_history: [{ sha: 'b'.repeat(40), message: 'feat: say hi' }],
    sandbox_id: ids.sandbox,
    error: null,
    started_at: at(2),
    finished_at: at(5),
    created_at: at(2),
    updated_at: at(5),
  }
  const exec = { task: ids.tasks[0], execution: ids.executions[0] }
  return [
    { scope: 'squad', type: 'squad.created', task: null, execution: null, payload: squadDto },
    {
      scope: 'squad',
      type: 'agent.created',
      task: null,
      execution: null,
      payload: { id: ids.agent, squad_id: ids.squad, name: 'Codemod Bot', role: 'backend' },
    },
    { scope: 'task', type: 'task.created', task: ids.tasks[0], execution: null, payload: taskDto(0) },
    { scope: 'task', type: 'task.created', task: ids.tasks[1], execution: null, payload: taskDto(1) },
    { scope: 'task', type: 'task.created', task: ids.tasks[2], execution: null, payload: taskDto(2) },
    { scope: 'task', type: 'execution.created', ...exec, payload: { ...execution, status: 'queued' } },
    ...steps.map((name, seq) => ({
      scope: 'execution',
      type: 'step.updated',
      ...exec,
      payload: {
        id: id(100 + seq),
        execution_id: ids.executions[0],
        name,
        status: 'succeeded',
        attempt: 1,
        started_at: at(3),
        finished_at: at(4),
        duration_ms: 60000,
        result: {},
        error: null,
      },
    })),
    { scope: 'execution', type: 'log', ...exec, payload: { stream: 'stdout', step: 'agent', text: 'hi\n' } },
    {
      scope: 'execution',
      type: 'log',
      ...exec,
      payload: { stream: 'system', step: null, text: 'Pushed task-1\n' },
    },
    { scope: 'task', type: 'execution.updated', ...exec, payload: execution },
    {
      scope: 'squad',
      type: 'squad.created',
      task: null,
      execution: null,
      payload: { ...squadDto, id: ids.otherSquad, name: 'Other' },
      squad: ids.otherSquad,
    },
  ].map((e) => ({ squad: ids.squad, ...e }))
}

/** The rows migration 0000's schema holds. */
export async function insertSchema0000Rows(database: Database) {
  await run(
    database,
    sql`insert into users (id, name, is_admin, is_local, created_at) values (${ids.admin}, 'ada', true, false, ${at(0)})`,
  )
  const hash = createHash('sha256').update('sq_first-release-token').digest('hex')
  await run(
    database,
    sql`insert into api_tokens (id, user_id, name, token_hash, prefix, created_at) values (${id(2)}, ${ids.admin}, 'laptop', ${hash}, 'sq_first', ${at(0)})`,
  )
  for (const [squad, name] of [
    [ids.squad, 'Core'],
    [ids.otherSquad, 'Other'],
  ])
    await run(
      database,
      sql`insert into squads (id, user_id, name, description, config, task_counter, created_at, updated_at) values (${squad}, ${ids.admin}, ${name}, 'the team', ${json({ max_concurrency: 2 })}, 3, ${at(0)}, ${at(0)})`,
    )
  await run(
    database,
    sql`insert into squad_members (id, squad_id, name, role, llm_provider, config, git_context) values (${ids.agent}, ${ids.squad}, 'Codemod Bot', 'backend', 'script', ${json({ timeout: 60 })}, ${json({ branch: 'task-1' })})`,
  )
  await run(
    database,
    sql`insert into squad_members (id, squad_id, name, role, llm_provider, llm_model, system_prompt) values (${ids.reviewer}, ${ids.squad}, 'Rita', 'qa', 'openai', 'gpt-4o', 'Review carefully.')`,
  )
  await run(
    database,
    sql`insert into repositories (id, squad_id, name, kind, default_branch, config) values (${ids.repo}, ${ids.squad}, 'demo', 'local', 'main', ${json({ template: 'x' })})`,
  )
  for (const [n, task] of ids.tasks.entries())
    await run(
      database,
      sql`insert into tasks (id, squad_id, number, title, status, position, labels, repository_id, assignee_id, parent_task_id, script, created_at, updated_at)
      values (${task}, ${ids.squad}, ${n + 1}, ${`Task ${n + 1}`}, ${n === 0 ? 'in_review' : 'todo'}, ${n}, ${json(['bug'])}, ${ids.repo}, ${ids.agent}, ${n === 2 ? ids.tasks[0] : null}, 'echo hi > hi.txt', ${at(1)}, ${at(1)})`,
    )
  await run(
    database,
    sql`insert into task_executions (id, task_id, squad_id, agent_id, status, git_branch, base_commit, pull_request_url, commit_history, sandbox_id, started_at, finished_at, created_at, updated_at)
    values (${ids.executions[0]}, ${ids.tasks[0]}, ${ids.squad}, ${ids.agent}, 'succeeded', 'task-1', ${'a'.repeat(40)}, 'http://127.0.0.1:8000/pulls/1', ${json([{ sha: 'b'.repeat(40), message: 'feat: say hi' }])}, ${ids.sandbox}, ${at(2)}, ${at(5)}, ${at(2)}, ${at(5)})`,
  )
  await run(
    database,
    sql`insert into task_executions (id, task_id, squad_id, agent_id, status, error, created_at, updated_at)
    values (${ids.executions[1]}, ${ids.tasks[1]}, ${ids.squad}, ${ids.agent}, 'failed', 'clone failed: repository not found', ${at(6)}, ${at(6)})`,
  )
  for (const [seq, name] of steps.entries())
    await run(
      database,
      sql`insert into execution_steps (id, execution_id, name, seq, status, attempt, started_at, finished_at, result)
      values (${id(100 + seq)}, ${ids.executions[0]}, ${name}, ${seq}, 'succeeded', 1, ${at(3)}, ${at(4)}, ${json({ seq })})`,
    )
  await run(
    database,
    sql`insert into sandboxes (id, provider, e2b_id, agent_id, task_id, execution_id, status, metadata) values (${ids.sandbox}, 'local', 'sbx-first-release', ${ids.agent}, ${ids.tasks[0]}, ${ids.executions[0]}, 'TERMINATED', ${json({ root: '/x' })})`,
  )
  for (const e of firstReleaseEvents())
    await run(
      database,
      sql`insert into events (scope, type, squad_id, task_id, execution_id, payload, created_at)
      values (${e.scope}, ${e.type}, ${e.squad}, ${e.task}, ${e.execution}, ${json(e.payload)}, ${at(7)})`,
    )
}

/** The stored secret format (base64 of iv | GCM tag | ciphertext, bound to squad and name), by hand. */
function sealed(value: string, context: string) {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', SECRET_KEY, iv)
  cipher.setAAD(Buffer.from(context, 'utf8'))
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64')
}

/** The rows migration 0001 added: pull requests and secrets. */
export async function insertSchema0001Rows(database: Database) {
  await run(
    database,
    sql`insert into pull_requests (id, repository_id, squad_id, task_id, execution_id, number, title, body, head, base, state, labels, reviewers, created_at, updated_at)
    values (${ids.pull}, ${ids.repo}, ${ids.squad}, ${ids.tasks[0]}, ${ids.executions[0]}, 1, 'feat: say hi', 'Closes #1', 'task-1', 'main', 'open', ${json(['agent'])}, ${json(['ada'])}, ${at(5)}, ${at(5)})`,
  )
  const ciphertext = sealed(SECRET_VALUE, `squad-secret:${ids.squad}:GITHUB_TOKEN`)
  await run(
    database,
    sql`insert into secrets (id, squad_id, name, ciphertext) values (${ids.secret}, ${ids.squad}, 'GITHUB_TOKEN', ${ciphertext})`,
  )
}
