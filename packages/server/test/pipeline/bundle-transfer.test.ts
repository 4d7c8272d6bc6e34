import type { ExecutionWithSteps } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sandboxes, taskExecutions } from '../../src/db/schema.ts'
import { endSandbox } from '../../src/executions/pipeline/end-sandbox.ts'
import { remoteLikeSandboxes } from '../helpers/remote-like-sandboxes.ts'
import { testDbKind } from '../helpers/test-db.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import { cloneRepo, downloadLog, pipelineSkip, pullsOf, remoteBranchSha } from './git-fixture.ts'
import { createTask, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'

const step = (e: ExecutionWithSteps, name: string) => {
  const found = e.steps.find((s) => s.name === name)
  if (!found) throw new Error(`no step ${name}`)
  return found
}

/** A script that waits (at most 30 s) until the test opens its gate through the files API. */
const GATE = '.git/squad-test-gate'
const gated = (script: string) =>
  `i=0; while [ ! -e ${GATE} ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done; ${script}`

/**
 * The repository in and out as git bundles, end to end: the real bubblewrap sandbox with its
 * host-folder capability turned off (the path every remote provider takes), the local forge over
 * smart HTTP with token auth. On PostgreSQL only: nothing here depends on the database, and the
 * pipeline runs are the slow part.
 */
describe.skipIf(pipelineSkip || testDbKind === 'pglite')('repository in and out as git bundles', () => {
  let server: TestServer
  let token: string
  const remoteLike = remoteLikeSandboxes()
  const auth = () => ({ token })

  beforeAll(async () => {
    server = await startTestServer({
      auth: 'token',
      env: { SQUAD_WORKER: 'true' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
      wrapSandboxes: remoteLike.wrap,
    })
    if (!server.bootstrapToken) throw new Error('token auth gave no bootstrap token')
    token = server.bootstrapToken
  })
  afterAll(async () => {
    await server?.stop()
  })

  const run = async (executionId: string) => {
    const done = await waitForExecution(server, executionId, { ...auth(), timeoutMs: 90_000 })
    return { done, log: await downloadLog(server, executionId, token) }
  }
  const openGate = async (executionId: string) => {
    const running = await waitForExecution(server, executionId, {
      ...auth(),
      until: (e) => step(e, 'agent').status === 'running',
    })
    const sandboxId = step(running, 'provision').result?.sandbox_id
    if (typeof sandboxId !== 'string') throw new Error('no sandbox recorded')
    const sandbox = await server.sandboxes.connect(sandboxId)
    await sandbox.files.write(GATE, 'open\n')
  }

  it('hands the base in, rebases onto a moved base, and pushes from the host: no credential in the sandbox', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n', 'b.txt': 'b\n' }, auth())
    const mover = await cloneRepo(repo, auth())
    try {
      const task = await createTask(
        server,
        squad.id,
        {
          title: 'Append to a',
          repository_id: repo.id,
          assignee_id: agent.id,
          script: gated('echo x >> a.txt && git remote -v'),
        },
        auth(),
      )
      const sentBefore = remoteLike.sent.length
      const started = await startTask(server, task.id, auth())
      const waiting = await waitForExecution(server, started.id, {
        ...auth(),
        until: (e) => step(e, 'agent').status === 'running',
      })
      const moved = await mover.commitAndPush({ 'b.txt': 'b, changed on main\n' }, 'change b on main')
      await openGate(waiting.id)

      const { done, log } = await run(started.id)
      expect(done.status, `${done.error}\n${log}`).toBe('succeeded')
      expect(step(done, 'provision').result).toMatchObject({ transfer: 'bundle' })
      expect(step(done, 'clone').result).toMatchObject({ cloned_in_sandbox: false })
      expect(step(done, 'push').result).toMatchObject({ transfer: 'bundle', rebased: true, base: moved })
      expect(log).toContain('Workspace handed in as a git bundle')
      expect(log).toContain('pushed by the server')

      const branch = `task-${task.number}`
      const pushed = await remoteBranchSha(repo, branch, token)
      expect(done.commit_history.map((c) => c.sha)).toEqual([pushed])
      await mover.git(['fetch', '-q', 'origin', branch])
      expect(await mover.git(['rev-parse', `${pushed}^`])).toBe(moved)
      expect(await mover.git(['show', `${pushed}:a.txt`])).toBe('a\nx')
      const [pr] = await pullsOf(server, repo.id, token)
      expect(pr).toMatchObject({ head: branch, state: 'open' })

      // Every command the sandbox was given, with its environment: git ran there (init, fetch from
      // the bundle, commit, bundle create), and not one carried a credential.
      const sent = remoteLike.sent.slice(sentBefore)
      const text = sent.map((c) => `${c.cmd}\n${Object.values(c.envs).join('\n')}`).join('\n')
      expect(text).toContain('bundle create --quiet .git/squad-out.bundle')
      expect(text).toContain('squad-in.bundle')
      expect(text).not.toMatch(/authorization|extraheader|bearer/i)
      // The agent's own view of origin: the forge's URL, no token in it.
      expect(log).toContain(`origin\t${repo.clone_url} (push)`)
    } finally {
      mover.dispose()
    }
  }, 150_000)

  it('continues an earlier run’s branch for a revision, in the same pull request', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    const task = await createTask(
      server,
      squad.id,
      { title: 'Append one', repository_id: repo.id, assignee_id: agent.id, script: 'echo one >> a.txt' },
      auth(),
    )
    const first = await run((await startTask(server, task.id, auth())).id)
    expect(first.done.status, `${first.done.error}\n${first.log}`).toBe('succeeded')
    const branch = `task-${task.number}`
    const firstSha = await remoteBranchSha(repo, branch, token)

    await server.request('PATCH', `/api/v1/tasks/${task.id}`, {
      ...auth(),
      body: { script: 'echo two >> a.txt' },
    })
    const second = await run((await startTask(server, task.id, auth())).id)
    expect(second.done.status, `${second.done.error}\n${second.log}`).toBe('succeeded')
    expect(step(second.done, 'branch').result).toMatchObject({ continued: true, start_commit: firstSha })
    const secondSha = await remoteBranchSha(repo, branch, token)
    const check = await cloneRepo(repo, { token, branch })
    try {
      expect(await check.git(['rev-parse', 'HEAD^'])).toBe(firstSha)
      expect(await check.git(['show', 'HEAD:a.txt'])).toBe('a\none\ntwo')
      expect(await check.git(['rev-parse', 'HEAD'])).toBe(secondSha)
    } finally {
      check.dispose()
    }
    expect(await pullsOf(server, repo.id, token)).toHaveLength(1)

    // Sandbox time: the seconds from the sandbox's creation to its kill, added once (a second end,
    // as the reaper meeting the same sandbox, adds nothing).
    const db = server.db.database.db
    const [row] = await db.select().from(sandboxes).where(eq(sandboxes.executionId, second.done.id))
    expect(row?.status).toBe('TERMINATED')
    const ran = Math.round(((row?.updatedAt.getTime() ?? 0) - (row?.createdAt.getTime() ?? 0)) / 1000)
    expect(second.done.sandbox_seconds).toBe(ran)
    expect(await endSandbox(db, row?.id ?? '', new Date(Date.now() + 3_600_000))).toBe(false)
    const [after] = await db.select().from(taskExecutions).where(eq(taskExecutions.id, second.done.id))
    expect(after?.sandboxSeconds).toBe(ran)
  }, 150_000)
})
