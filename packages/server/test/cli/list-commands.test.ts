import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedLocalRepository } from '../helpers/seed-local-repo.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'

const bin = fileURLToPath(new URL('../../bin/squad.js', import.meta.url))

/** Runs `squad …`; nothing from the developer's shell leaks in. */
function squad(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end()
  })
}

type Row = { id: string; number: number }

describe.skipIf(skipReason)('squad squad|task|execution list, and tasks by their board number', () => {
  let server: TestServer
  let url: string[]
  let core: { id: string }
  const tasks: Row[] = []

  const post = async <T>(path: string, body: unknown) => {
    const res = await server.request('POST', path, { body })
    expect(res.status, JSON.stringify(res.json)).toBeLessThan(300)
    return res.json as T
  }

  beforeAll(async () => {
    // No worker: a started task stays queued, which is all these commands need to see.
    server = await startTestServer()
    url = ['--url', server.url]
    core = await post<{ id: string }>('/api/v1/squads', { name: 'Core' })
    const repo = await post<{ id: string }>(`/api/v1/squads/${core.id}/repositories`, { name: 'hello' })
    await seedLocalRepository(server, { squad_id: core.id, name: 'hello' })
    for (const title of ['Bump dependencies', 'Fix the login page'])
      tasks.push(
        await post<Row>(`/api/v1/squads/${core.id}/tasks`, {
          title,
          status: 'todo',
          repository_id: repo.id,
          script: 'echo hello > HELLO.md',
        }),
      )
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('with one squad, needs no --squad: lists squads and tasks, starts a task by its number', async () => {
    const squads = await squad(['squad', 'list', ...url])
    expect(squads.code, squads.stderr).toBe(0)
    expect(squads.stdout).toBe(`${core.id}\tCore\tactive\n`)

    const list = await squad(['task', 'list', ...url])
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout).toBe(
      `#1\ttodo\tBump dependencies\t${tasks[0]?.id}\n#2\ttodo\tFix the login page\t${tasks[1]?.id}\n`,
    )

    const run = await squad(['task', 'run', '2', '--detach', ...url])
    expect(run.code, run.stderr).toBe(0)
    const executionId = run.stdout.trim()
    expect(executionId).toMatch(/^[0-9a-f-]{36}$/)
    const started = (await server.request('GET', `/api/v1/executions/${executionId}`)).json as {
      task_id: string
      git_branch: string
    }
    expect(started).toMatchObject({ task_id: tasks[1]?.id, git_branch: 'task-2' })

    // The task moved to in_progress; --status filters by column; --json is the Task objects.
    const json = await squad(['task', 'list', '--status', 'in_progress', '--json', ...url])
    expect(JSON.parse(json.stdout)).toMatchObject([{ number: 2, status: 'in_progress' }])

    const executions = await squad(['execution', 'list', ...url])
    expect(executions.code, executions.stderr).toBe(0)
    expect(executions.stdout).toBe(`${executionId}\t#2\tqueued\t-\ttask-2\t-\n`)
    const ofTask1 = await squad(['execution', 'list', '--task', '#1', '--json', ...url])
    expect(JSON.parse(ofTask1.stdout)).toEqual([])

    // A task number means its latest execution where an execution is expected.
    const show = await squad(['task', 'show', '#2', ...url])
    expect(show.code, show.stderr).toBe(0)
    expect(JSON.parse(show.stdout)).toMatchObject({ id: executionId, steps: expect.any(Array) })
  })

  it('says which squads there are when --squad is needed, and what is wrong with a number', async () => {
    const other = await post<{ id: string }>('/api/v1/squads', { name: 'Other' })
    await post(`/api/v1/squads/${other.id}/tasks`, { title: 'Elsewhere' })

    const ambiguous = await squad(['task', 'run', '1', ...url])
    expect(ambiguous.code).toBe(1)
    expect(ambiguous.stderr).toMatch(/Which squad\? There are 2: "Core", "Other"\. Add --squad <name or id>/)

    const byName = await squad(['task', 'list', '--squad', 'other', ...url])
    expect(byName.code, byName.stderr).toBe(0)
    expect(byName.stdout).toMatch(/^#1\tbacklog\tElsewhere\t/)
    const byId = await squad(['execution', 'list', '--squad', core.id, '--json', ...url])
    expect(JSON.parse(byId.stdout)).toHaveLength(1)

    const missing = await squad(['task', 'run', '#9', '--squad', 'Core', ...url])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('Squad "Core" has no task #9 (squad task list shows its tasks)')
    const unknown = await squad(['task', 'list', '--squad', 'Nope', ...url])
    expect(unknown.stderr).toContain('No squad named "Nope" (there are: "Core", "Other")')
    const neither = await squad(['task', 'run', 'one', '--squad', 'Core', ...url])
    expect(neither.stderr).toContain('"one" is neither a task id nor a task number')
  })
})
