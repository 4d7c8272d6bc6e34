import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PullRequestDiff, Repository, Squad, Task } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendEvent } from '../../src/events/append-event.ts'
import { createExecutionStore } from '../../src/executions/pipeline/execution-store.ts'
import { moveTaskToColumn } from '../../src/tasks/move-task-to-column.ts'
import { seedLocalRepository } from '../helpers/seed-local-repo.ts'
import { skipReason } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { createTask, git, logOf, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'
import {
  leftoverProcesses,
  newMarker,
  pipelineSkip,
  pullsOf,
  sandboxFolders,
  sleep,
} from './pipeline-probes.ts'

const TASKS = 10
const baseFiles = { 'README.md': '# Ten at once\n', 'src/shared.txt': 'untouched\n' }

describe.skipIf(pipelineSkip)('ten executions at once on one repository', () => {
  let server: TestServer
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'squad-concurrency-'))
    server = await startTestServer({
      env: {
        SQUAD_WORKER: 'true',
        SQUAD_DATA_DIR: dataDir,
        SQUAD_MAX_CONCURRENCY: String(TASKS),
        SQUAD_SQUAD_CONCURRENCY: String(TASKS),
      },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
  })
  afterAll(async () => {
    await server?.sandboxes.cleanupOrphans([]).catch(() => {})
    await server?.stop()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('gives each task its own branch, workspace and pull request, with nothing crossing over', async () => {
    const marker = newMarker('ten')
    const { squad, agent, repo } = await setupSquad(server, baseFiles)
    const tasks = []
    for (let n = 1; n <= TASKS; n++) {
      // Task N writes only file-N.txt, then (while the others are at work in theirs) checks that no
      // other task's file appeared in its workspace: the sandboxes share one base checkout.
      const task = await createTask(server, squad.id, {
        title: `Add file ${n}`,
        repository_id: repo.id,
        assignee_id: agent.id,
        script: [
          `export SQUAD_PROBE=${marker}`,
          `echo change-${n} > file-${n}.txt`,
          'sleep 1',
          `test "$(ls file-*.txt)" = file-${n}.txt || { echo "foreign files: $(ls file-*.txt)"; exit 3; }`,
        ].join('\n'),
      })
      tasks.push(task)
    }
    const numbers = tasks.map((t) => t.number)
    expect(numbers).toEqual(Array.from({ length: TASKS }, (_, i) => i + 1))

    const started = await Promise.all(tasks.map((task) => startTask(server, task.id)))
    const done = await Promise.all(started.map((e) => waitForExecution(server, e.id, { timeoutMs: 120_000 })))
    for (const execution of done)
      expect(execution.status, `${execution.error}\n${await logOf(server, execution.id)}`).toBe('succeeded')
    // They really ran side by side: all ten were claimed before the first one finished.
    const lastStart = Math.max(...done.map((e) => Date.parse(e.started_at ?? '')))
    const firstEnd = Math.min(...done.map((e) => Date.parse(e.finished_at ?? '')))
    expect(lastStart).toBeLessThan(firstEnd)

    // Ten branches on the forge, task-1..task-10, and nothing else besides main.
    const verify = await mkdtemp(join(tmpdir(), 'squad-verify-'))
    try {
      await git(verify, ['clone', '-q', '--mirror', repo.clone_url ?? '', '.'])
      const heads = (await git(verify, ['for-each-ref', '--format=%(refname:short)', 'refs/heads']))
        .split('\n')
        .sort()
      expect(heads).toEqual(['main', ...numbers.map((n) => `task-${n}`)].sort())
      for (const n of numbers) {
        // Each branch's tree: the base files plus its own file, with its own content.
        const tree = (await git(verify, ['ls-tree', '-r', '--name-only', `task-${n}`])).split('\n').sort()
        expect(tree, `task-${n}`).toEqual([...Object.keys(baseFiles), `file-${n}.txt`].sort())
        expect(await git(verify, ['show', `task-${n}:file-${n}.txt`])).toBe(`change-${n}`)
        expect(await git(verify, ['rev-list', '--count', `main..task-${n}`])).toBe('1')
      }
    } finally {
      await rm(verify, { recursive: true, force: true })
    }

    // Ten pull requests, one per branch, each changing exactly its own file.
    const pulls = await pullsOf(server, repo.id)
    expect(pulls.map((p) => p.head).sort()).toEqual(numbers.map((n) => `task-${n}`).sort())
    for (const pull of pulls) {
      const n = Number(pull.head.slice('task-'.length))
      expect(pull.task_id).toBe(tasks[n - 1]?.id)
      const res = await server.request('GET', `/api/v1/repositories/${repo.id}/pulls/${pull.number}/diff`)
      const diff = PullRequestDiff.parse(res.json)
      expect(diff.files.map((f) => f.path)).toEqual([`file-${n}.txt`])
      expect(diff.patch).toContain(`+change-${n}`)
    }

    expect(await leftoverProcesses(marker)).toEqual([])
    expect(await sandboxFolders(dataDir)).toEqual([])
  }, 150_000)
})

describe.skipIf(skipReason)('two executions of one squad writing at once', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  // Found by the crash-recovery test on PostgreSQL, where five resumed executions reached their pull
  // requests together: one moved its task to "in review" after appending its event (holding the
  // event log's lock, waiting for the squad's row) while another opened its pull request (holding
  // a share lock on the squad's row through the foreign key, waiting for the event log).
  it("moves a task to review while another execution's pull request is being opened, without a deadlock", async () => {
    const squad = Squad.parse((await server.request('POST', '/api/v1/squads', { body: { name: 's' } })).json)
    const repo = Repository.parse(
      (await server.request('POST', `/api/v1/squads/${squad.id}/repositories`, { body: { name: 'r' } })).json,
    )
    await seedLocalRepository(server, repo) // a task starts only from a repository with commits
    const task = await createTask(server, squad.id, { title: 't', repository_id: repo.id, script: 'true' })
    const execution = await startTask(server, task.id)
    const db = server.db.database.db
    const ids = { executionId: execution.id, squadId: squad.id, taskId: task.id }

    let holding = () => {}
    const held = new Promise<void>((resolve) => {
      holding = resolve
    })
    // What opening a pull request does: a key-share lock on the squad's row (its foreign key), then,
    // a moment later, its event.
    const pullRequest = db.transaction(async (tx) => {
      await tx.execute(sql`select id from squads where id = ${squad.id} for key share`)
      holding()
      await sleep(300)
      await appendEvent(tx, {
        type: 'git.progress',
        ...ids,
        payload: { operation: 'pull_request', phase: 'started', percent: null, message: 'opening' },
      })
    })
    await held
    const store = createExecutionStore(db, ids)
    const review = store.updateExecution({ pullRequestUrl: 'http://127.0.0.1/pulls/1' }, (tx) =>
      moveTaskToColumn(tx, task.id, 'in_review'),
    )
    await Promise.all([pullRequest, review])
    const moved = Task.parse((await server.request('GET', `/api/v1/tasks/${task.id}`)).json)
    expect(moved.status).toBe('in_review')
  })

  // Found by the same test: two executions finishing together both moved their tasks after updating
  // their execution row twice in one transaction. Postgres checks the foreign keys of a row this
  // transaction already changed, so each held a key-share lock on the squad's row when it asked to
  // lock that row for the move: each waited for the other.
  it('finishes two executions of one squad at the same moment, without a deadlock', async () => {
    const squad = Squad.parse((await server.request('POST', '/api/v1/squads', { body: { name: 's' } })).json)
    const repo = Repository.parse(
      (await server.request('POST', `/api/v1/squads/${squad.id}/repositories`, { body: { name: 'r' } })).json,
    )
    await seedLocalRepository(server, repo) // a task starts only from a repository with commits
    const db = server.db.database.db
    const both = await Promise.all(
      [1, 2].map(async (n) => {
        const task = await createTask(server, squad.id, {
          title: `t${n}`,
          repository_id: repo.id,
          script: 'true',
        })
        const execution = await startTask(server, task.id)
        return {
          task,
          store: createExecutionStore(db, { executionId: execution.id, squadId: squad.id, taskId: task.id }),
        }
      }),
    )
    // Both transactions reach the move before either makes it (PGlite runs one transaction at a
    // time, so there the first goes on alone after a moment).
    let arrived = 0
    let release = () => {}
    const together = new Promise<void>((resolve) => {
      release = resolve
    })
    const finishing = both.map(({ task, store }) =>
      store.finish('succeeded', null, async (tx) => {
        if (++arrived === both.length) release()
        await Promise.race([together, sleep(500)])
        return moveTaskToColumn(tx, task.id, 'done')
      }),
    )
    await Promise.all(finishing)
    for (const { task } of both)
      expect(Task.parse((await server.request('GET', `/api/v1/tasks/${task.id}`)).json).status).toBe('done')
  })
})
