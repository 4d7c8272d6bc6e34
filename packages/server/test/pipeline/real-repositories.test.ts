import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
  const dataDir = mkdtempSync(join(tmpdir(), 'squad-real-'))
  beforeAll(async () => {
    server = await startTestServer({
      env: { SQUAD_WORKER: 'true', SQUAD_DATA_DIR: dataDir },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
  })
  afterAll(async () => {
    await server?.stop()
    rmSync(dataDir, { recursive: true, force: true })
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
    const firstLog = await logOf(server, first.id)
    expect(first.status, firstLog).toBe('succeeded')
    // The cache's first clone, shown relative to the data folder, not at the host's path.
    expect(firstLog).toContain(`Cloning into bare repository 'cache/repos/${repo.id}/mirror.git.tmp-`)
    expect(firstLog).not.toContain(dataDir)
    expect((await taskOf(task.id)).status).toBe('in_review')

    const again = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(again.status, await logOf(server, again.id)).toBe('no_changes')
    expect((await taskOf(task.id)).status).toBe('in_review')
    expect((await pullsOf(repo.id)).map((p) => p.state)).toEqual(['open'])
  })

  const configure = async (squadId: string, config: Record<string, unknown>) => {
    const res = await server.request('PATCH', `/api/v1/squads/${squadId}`, { body: { config } })
    expect(res.status, JSON.stringify(res.json)).toBe(200)
  }
  const agentCommit = (message: string) =>
    `git add -A && git -c user.name=Sandbox -c user.email=sandbox@example.com commit -qm '${message}'`

  it('squashes the commits the agent made into one Conventional Commit, its type from the title', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'README.md': '# Demo\n' })
    const task = await createTask(server, squad.id, {
      title: 'docs: tagline in README',
      repository_id: repo.id,
      assignee_id: agent.id,
      script: [
        'echo "A tagline" >> README.md',
        agentCommit('direct push from sandbox'),
        'echo notes > NOTES.md',
        agentCommit('wip'),
        'echo more >> NOTES.md',
      ].join(' && '),
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(done.status, `${done.error}\n${await logOf(server, done.id)}`).toBe('succeeded')
    expect(done.commit_history.map((c) => c.message.split('\n')[0])).toEqual(['docs: tagline in README'])
    expect(done.commit_history[0]?.message).toContain('- direct push from sandbox')
    const [pr] = await pullsOf(repo.id)
    expect(pr?.title).toBe('docs: tagline in README')
  })

  it('keeps the agent’s commits with agent_commits: keep, rewording those that are not Conventional', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'README.md': '# Demo\n' })
    await configure(squad.id, { agent_commits: 'keep' })
    const task = await createTask(server, squad.id, {
      title: 'Fix typo in README',
      repository_id: repo.id,
      assignee_id: agent.id,
      script: [
        'echo one > one.txt',
        agentCommit('direct push from sandbox'),
        'echo two > two.txt',
        agentCommit('test: a conventional one'),
        'echo "# Demo!" > README.md',
      ].join(' && '),
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(done.status, `${done.error}\n${await logOf(server, done.id)}`).toBe('succeeded')
    expect(done.commit_history.map((c) => [c.message.split('\n')[0], c.author])).toEqual([
      ['fix: direct push from sandbox', 'Sandbox'],
      ['test: a conventional one', 'Sandbox'],
      ['fix: fix typo in README', 'Codemod Bot'],
    ])
    expect(done.commit_history[0]?.message).toContain(`Refs: task-${task.number}`)
  })

  it('fails the commit step, naming the file and pointing at Git LFS, when a file is over the limit', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'README.md': '# Demo\n' })
    await configure(squad.id, { max_file_size_mb: 1 })
    const task = await createTask(server, squad.id, {
      title: 'Add the video',
      repository_id: repo.id,
      assignee_id: agent.id,
      script: `head -c 2000000 /dev/urandom > big.bin && echo small > small.txt && ${agentCommit('add video')}`,
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    expect(done.status).toBe('failed')
    const step = done.steps.find((s) => s.name === 'commit')
    expect(step?.status).toBe('failed')
    expect(step?.error).toMatch(/big\.bin \(1\.9 MB\) is larger than the squad's limit of 1 MB per file/)
    expect(step?.error).toContain('Git LFS')
    expect(step?.error).not.toContain('small.txt')
    expect(done.steps.find((s) => s.name === 'push')?.status).toBe('pending')
    expect(await pullsOf(repo.id)).toHaveLength(0)
  })
})
