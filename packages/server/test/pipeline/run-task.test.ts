import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PullRequest, Task } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConventionalCommit } from '../../src/git/conventional-commit.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createTask, git, logOf, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'

const hasBwrap = (() => {
  try {
    execFileSync('bwrap', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
const skip = skipReason ?? (hasBwrap ? null : 'bubblewrap is not installed (apt-get install bubblewrap)')

describe.skipIf(skip)('execution pipeline on the local sandbox and forge', () => {
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

  it('turns a task into a Conventional Commit on task-{n} and one pull request', async () => {
    const { squad, agent, repo } = await setupSquad(server, {
      'README.md': '# Demo\n\nhello world\n',
      'src/app.txt': 'version 1\n',
    })
    const task = await createTask(server, squad.id, {
      title: 'Say goodbye instead of hello',
      description: 'The greeting is wrong.',
      labels: ['bug'],
      repository_id: repo.id,
      assignee_id: agent.id,
      script: "sed -i 's/hello/goodbye/' README.md && echo replaced the greeting",
    })
    const started = await startTask(server, task.id)
    expect(started.status).toBe('queued')
    expect(started.git_branch).toBe(`task-${task.number}`)

    const done = await waitForExecution(server, started.id)
    expect(done.status, `${done.error}\n${await logOf(server, done.id)}`).toBe('succeeded')
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ['provision', 'succeeded'],
      ['clone', 'succeeded'],
      ['branch', 'succeeded'],
      ['agent', 'succeeded'],
      ['commit', 'succeeded'],
      ['push', 'succeeded'],
      ['pull_request', 'succeeded'],
      ['cleanup', 'succeeded'],
    ])
    expect(done.base_commit).toMatch(/^[0-9a-f]{40}$/)
    expect(done.commit_history).toHaveLength(1)
    const message = done.commit_history[0]?.message ?? ''
    const parsed = parseConventionalCommit(message)
    expect(parsed).toMatchObject({
      type: 'fix',
      subject: 'say goodbye instead of hello',
      footers: { Refs: `task-${task.number}` },
    })
    expect(done.pull_request_url).toBeTruthy()

    const pulls = await server.request('GET', `/api/v1/repositories/${repo.id}/pulls`)
    const items = (pulls.json as { items: unknown[] }).items.map((p) => PullRequest.parse(p))
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({
      head: `task-${task.number}`,
      base: 'main',
      state: 'open',
      task_id: task.id,
    })
    expect(items[0]?.body).toContain(`task #${task.number}`)

    const movedTask = Task.parse((await server.request('GET', `/api/v1/tasks/${task.id}`)).json)
    expect(movedTask.status).toBe('in_review')

    const clone = mkdtempSync(join(tmpdir(), 'squad-verify-'))
    try {
      await git(clone, ['clone', '-q', '--branch', `task-${task.number}`, repo.clone_url ?? '', '.'])
      expect(readFileSync(join(clone, 'README.md'), 'utf8')).toContain('goodbye world')
      expect(await git(clone, ['log', '-1', '--format=%an'])).toBe('Codemod Bot')
      expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(done.commit_history[0]?.sha)
    } finally {
      rmSync(clone, { recursive: true, force: true })
    }
    const log = await logOf(server, done.id)
    expect(log).toContain('replaced the greeting')
    expect(await server.sandboxes.list()).toHaveLength(0)
  })

  it('ends as no_changes, with no pull request, when the script changes nothing', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' })
    const task = await createTask(server, squad.id, {
      title: 'Nothing to do',
      repository_id: repo.id,
      assignee_id: agent.id,
      script: 'echo looked around, all fine',
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(done.status).toBe('no_changes')
    expect(done.pull_request_url).toBeNull()
    expect(done.steps.find((s) => s.name === 'push')?.status).toBe('skipped')
    const pulls = await server.request('GET', `/api/v1/repositories/${repo.id}/pulls`)
    expect((pulls.json as { items: unknown[] }).items).toHaveLength(0)
  })
})
