import { execFileSync } from 'node:child_process'
import { PullRequest, Task } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createTask, logOf, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'

const hasBwrap = (() => {
  try {
    execFileSync('bwrap', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
const skip = skipReason ?? (hasBwrap ? null : 'bubblewrap is not installed (apt-get install bubblewrap)')

/** The pipeline on repositories as people have them (issue 13): re-runs, titles, agent commits, sizes. */
describe.skipIf(skip)('the pipeline on real repositories', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      env: { SQUAD_WORKER: 'true' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
  })
  afterAll(async () => {
    await server?.stop()
  })

  const taskOf = async (id: string) => Task.parse((await server.request('GET', `/api/v1/tasks/${id}`)).json)
  const pullsOf = async (repoId: string) =>
    (
      (await server.request('GET', `/api/v1/repositories/${repoId}/pulls`)).json as { items: unknown[] }
    ).items.map((p) => PullRequest.parse(p))

  it('leaves a task whose pull request is open in review when running it again changes nothing', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'README.md': 'hello world\n' })
    const task = await createTask(server, squad.id, {
      title: 'Say goodbye',
      repository_id: repo.id,
      assignee_id: agent.id,
      // Changes the file the first time only.
      script: 'grep -q goodbye README.md || sed -i s/hello/goodbye/ README.md',
    })
    const first = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(first.status, await logOf(server, first.id)).toBe('succeeded')
    expect((await taskOf(task.id)).status).toBe('in_review')

    const again = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(again.status, await logOf(server, again.id)).toBe('no_changes')
    expect((await taskOf(task.id)).status).toBe('in_review')
    expect((await pullsOf(repo.id)).map((p) => p.state)).toEqual(['open'])
  })
})
