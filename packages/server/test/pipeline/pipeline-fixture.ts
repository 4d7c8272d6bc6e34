import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { Agent, Execution, ExecutionWithSteps, Repository, Squad, Task } from '@agent-squad/contract'
import type { TestServer } from '../helpers/test-server.ts'

const finished = new Set(['succeeded', 'failed', 'cancelled', 'no_changes'])

const execFileAsync = promisify(execFile)

/**
 * git with prompts off and a fixed identity, run in `cwd`. Asynchronous on purpose: the server under
 * test runs in this process, so a blocking git call against it would deadlock.
 */
export async function git(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await execFileAsync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: tmpdir(),
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Test User',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test User',
      GIT_COMMITTER_EMAIL: 'test@example.com',
      ...env,
    },
  })
  return stdout.trim()
}

/** A squad with a script agent and a local-forge repository holding `files` on main. */
export async function setupSquad(
  server: TestServer,
  files: Record<string, string>,
  options: { token?: string } = {},
) {
  const auth = options.token ? { token: options.token } : {}
  const squad = Squad.parse(
    (await server.request('POST', '/api/v1/squads', { ...auth, body: { name: 'pipeline' } })).json,
  )
  const agent = Agent.parse(
    (
      await server.request('POST', `/api/v1/squads/${squad.id}/agents`, {
        ...auth,
        body: { name: 'Codemod Bot', role: 'backend', llm_provider: 'script' },
      })
    ).json,
  )
  const repoRes = await server.request('POST', `/api/v1/squads/${squad.id}/repositories`, {
    ...auth,
    body: { name: 'demo' },
  })
  const repo = Repository.parse(repoRes.json)
  const work = mkdtempSync(join(tmpdir(), 'squad-seed-'))
  try {
    await git(work, ['init', '-q', '-b', 'main'])
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true })
      writeFileSync(join(work, path), content)
    }
    await git(work, ['add', '-A'])
    await git(work, ['commit', '-qm', 'initial commit'])
    // A push needs a token even with auth off: then the local user's (what `squad git-credential` sends).
    const pusher = options.token ?? server.localToken
    const header = pusher ? ['-c', `http.extraHeader=Authorization: Bearer ${pusher}`] : []
    await git(work, [...header, 'push', '-q', repo.clone_url ?? '', 'main'])
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  return { squad, agent, repo }
}

export async function createTask(
  server: TestServer,
  squadId: string,
  body: Record<string, unknown>,
  options: { token?: string } = {},
) {
  const res = await server.request('POST', `/api/v1/squads/${squadId}/tasks`, { ...options, body })
  if (res.status !== 201) throw new Error(`create task: ${res.status} ${JSON.stringify(res.json)}`)
  return Task.parse(res.json)
}

export async function startTask(
  server: TestServer,
  taskId: string,
  options: { token?: string; body?: unknown } = {},
) {
  const res = await server.request('POST', `/api/v1/tasks/${taskId}/executions`, {
    ...(options.token ? { token: options.token } : {}),
    body: options.body ?? {},
  })
  if (res.status !== 202) throw new Error(`start task: ${res.status} ${JSON.stringify(res.json)}`)
  return Execution.parse(res.json)
}

/** Polls until the execution ends (or `until` holds), failing with its last state on timeout. */
export async function waitForExecution(
  server: TestServer,
  executionId: string,
  options: { timeoutMs?: number; token?: string; until?: (e: ExecutionWithSteps) => boolean } = {},
): Promise<ExecutionWithSteps> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  let last: ExecutionWithSteps | null = null
  while (Date.now() < deadline) {
    const res = await server.request(
      'GET',
      `/api/v1/executions/${executionId}`,
      options.token ? { token: options.token } : {},
    )
    last = ExecutionWithSteps.parse(res.json)
    if (options.until ? options.until(last) : finished.has(last.status)) return last
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`execution ${executionId} did not finish: ${JSON.stringify(last, null, 2)}`)
}

/** The full terminal log of an execution. */
export async function logOf(server: TestServer, executionId: string): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/executions/${executionId}/log`)
  return res.text()
}
