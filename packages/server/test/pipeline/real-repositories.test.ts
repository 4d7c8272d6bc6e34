import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PullRequest, Repository, type StreamEvent, Task } from '@agent-squad/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEvents } from '../../src/events/read-events.ts'
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

/** The pipeline on repositories as people have them (issue 13): re-runs, titles, agent commits, sizes. */
// Each test runs one or two whole executions: on a busy machine that takes a while.
describe.skipIf(skip)('the pipeline on real repositories', { timeout: 120_000 }, () => {
  let server: TestServer
  const dataDir = mkdtempSync(join(tmpdir(), 'squad-real-'))
  beforeAll(async () => {
    server = await startTestServer({
      // A failed run's sandbox is not kept: its mounts would keep the data folder busy.
      env: { SQUAD_WORKER: 'true', SQUAD_DATA_DIR: dataDir, SQUAD_KEEP_FAILED_SANDBOX_MINUTES: '0' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
  })
  afterAll(async () => {
    await server?.stop()
    // A sandbox still mounted (a run cut short) keeps part of it busy: the rest goes.
    try {
      rmSync(dataDir, { recursive: true, force: true })
    } catch {}
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

  it('initialises submodules on the forge with its credential, and warns of what it cannot fetch', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'README.md': '# App\n' })
    // A second repository of the squad, on the same forge, to be the first one's submodule.
    const lib = Repository.parse(
      (await server.request('POST', `/api/v1/squads/${squad.id}/repositories`, { body: { name: 'lib' } }))
        .json,
    )
    const auth = ['-c', `http.extraHeader=Authorization: Bearer ${server.localToken}`]
    const work = mkdtempSync(join(tmpdir(), 'squad-submodules-'))
    try {
      await git(work, ['init', '-q', '-b', 'main', 'lib'])
      await git(join(work, 'lib'), ['commit', '-q', '--allow-empty', '-m', 'empty'])
      execFileSync('sh', ['-c', 'echo library > lib.txt'], { cwd: join(work, 'lib') })
      await git(join(work, 'lib'), ['add', '-A'])
      await git(join(work, 'lib'), ['commit', '-qm', 'the library'])
      await git(join(work, 'lib'), [...auth, 'push', '-q', lib.clone_url ?? '', 'main'])
      const libSha = await git(join(work, 'lib'), ['rev-parse', 'HEAD'])
      await git(work, ['clone', '-q', repo.clone_url ?? '', 'app'])
      const app = join(work, 'app')
      const gitmodules = [
        '[submodule "lib"]',
        '\tpath = lib',
        `\turl = ${lib.clone_url}`,
        '[submodule "ext"]',
        '\tpath = ext',
        '\turl = http://127.0.0.1:9/elsewhere.git',
        '',
      ].join('\n')
      execFileSync('sh', ['-c', `printf '%s' "$1" > .gitmodules`, 'sh', gitmodules], { cwd: app })
      // An LFS pointer, as a repository using Git LFS holds it.
      execFileSync('sh', ['-c', 'echo "*.bin filter=lfs diff=lfs merge=lfs -text" > .gitattributes'], {
        cwd: app,
      })
      execFileSync(
        'sh',
        [
          '-c',
          'printf "version https://git-lfs.github.com/spec/v1\\noid sha256:%064d\\nsize 12\\n" 0 > video.bin',
        ],
        { cwd: app },
      )
      await git(app, ['update-index', '--add', '--cacheinfo', `160000,${libSha},lib`])
      await git(app, ['update-index', '--add', '--cacheinfo', `160000,${libSha},ext`])
      await git(app, ['add', '.gitmodules', '.gitattributes', 'video.bin'])
      await git(app, ['commit', '-qm', 'submodules and LFS'])
      await git(app, [...auth, 'push', '-q', 'origin', 'main'])
    } finally {
      rmSync(work, { recursive: true, force: true })
    }

    const task = await createTask(server, squad.id, {
      title: 'Read the library',
      repository_id: repo.id,
      assignee_id: agent.id,
      script: 'cat lib/lib.txt > seen.txt && ls -A ext | wc -l > ext-files.txt',
    })
    const done = await waitForExecution(server, (await startTask(server, task.id)).id)
    const log = await logOf(server, done.id)
    expect(done.status, `${done.error}\n${log}`).toBe('succeeded')
    const events = (await readEvents(server.db.database.db, {
      key: { kind: 'execution', id: done.id },
      afterId: 0,
      limit: 5000,
    })) as StreamEvent[]
    const warnings = events.flatMap((e) => (e.type === 'execution.warning' ? [e.payload] : []))
    expect(warnings.map((w) => w.kind)).toEqual(['submodules', 'lfs'])
    expect(warnings[0]?.message).toContain('http://127.0.0.1:9/elsewhere.git')
    expect(warnings[1]?.message).toContain('video.bin')
    expect(warnings[0]?.message).toMatch(
      /^1 of 2 submodules could not be initialised and stay empty folders: ext \(/,
    )
    expect(log).toContain('Warning: 1 of 2 submodules could not be initialised')
    // The submodule on the forge was there for the agent; the unreachable one stayed empty.
    const diff = await server.request('GET', `/api/v1/repositories/${repo.id}/pulls/1/diff`)
    const patch = (diff.json as { patch: string }).patch
    expect(patch).toContain('+library')
    expect(patch).toMatch(/ext-files\.txt[\s\S]*\+0/)
  })
})
