import { existsSync } from 'node:fs'
import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type ExecutionWithSteps, PullRequestDiff } from '@agent-squad/contract'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executionSteps, taskExecutions } from '../../src/db/schema.ts'
import { startTestServer, type TestServer } from '../helpers/test-server.ts'
import {
  cloneRepo,
  closedPort,
  count,
  downloadLog,
  eventsOf,
  forgeSwitch,
  pipelineSkip,
  pullsOf,
  remoteBranchSha,
  scriptGate,
} from './git-fixture.ts'
import { createTask, setupSquad, startTask, waitForExecution } from './pipeline-fixture.ts'

const step = (e: ExecutionWithSteps, name: string) => {
  const found = e.steps.find((s) => s.name === name)
  if (!found) throw new Error(`no step ${name}`)
  return found
}

/**
 * How the pipeline meets git's real failure modes, end to end: real git, the real bubblewrap
 * sandbox and the built-in forge served over smart HTTP, with token auth on (as on a shared host).
 */
describe.skipIf(pipelineSkip)('pipeline git behaviour', () => {
  let server: TestServer
  let token: string
  const forges = forgeSwitch()
  const auth = () => ({ token })

  beforeAll(async () => {
    server = await startTestServer({
      auth: 'token',
      env: { SQUAD_WORKER: 'true' },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
      forgeFor: forges.forgeFor,
    })
    if (!server.bootstrapToken) throw new Error('token auth gave no bootstrap token')
    token = server.bootstrapToken
  })
  afterAll(async () => {
    await server?.stop()
  })

  const run = async (executionId: string, timeoutMs = 60_000) => {
    const done = await waitForExecution(server, executionId, { ...auth(), timeoutMs })
    return { done, log: await downloadLog(server, executionId, token) }
  }
  /** A counter's value summed over the series whose labels match: what /metrics would show. */
  const counter = async (name: string, labels: Record<string, string>) => {
    const metric = server.deps.metrics.registry.getSingleMetric(name)
    if (!metric) throw new Error(`no metric ${name}`)
    const { values } = await metric.get()
    return values
      .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
      .reduce((sum, v) => sum + v.value, 0)
  }
  const untilAgentRuns = (executionId: string) =>
    waitForExecution(server, executionId, {
      ...auth(),
      until: (e) => step(e, 'agent').status === 'running',
    })

  it('rebases the task onto a base branch that moved while the agent worked', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n', 'b.txt': 'b\n' }, auth())
    const mover = await cloneRepo(repo, auth())
    const gate = scriptGate(server, repo.id)
    try {
      const task = await createTask(
        server,
        squad.id,
        {
          title: 'Append to a',
          repository_id: repo.id,
          assignee_id: agent.id,
          script: `${gate.wait}; echo x >> a.txt`,
        },
        auth(),
      )
      const started = await startTask(server, task.id, auth())
      await untilAgentRuns(started.id)
      const moved = await mover.commitAndPush({ 'b.txt': 'b, changed on main\n' }, 'change b on main')
      gate.open()

      const { done, log } = await run(started.id)
      expect(done.status, `${done.error}\n${log}`).toBe('succeeded')
      expect(done.base_commit).not.toBe(moved)
      expect(step(done, 'push').result).toMatchObject({ rebased: true, base: moved })

      const branch = `task-${task.number}`
      const pushed = await remoteBranchSha(repo, branch, token)
      expect(done.commit_history).toHaveLength(1)
      expect(done.commit_history[0]?.sha).toBe(pushed)
      await mover.git(['fetch', '-q', 'origin', branch])
      // main's new commit is the parent of the task's one commit: a rebase, not a merge.
      expect(await mover.git(['rev-parse', `${pushed}^`])).toBe(moved)
      await mover.git(['merge-base', '--is-ancestor', moved, pushed ?? ''])

      const [pr] = await pullsOf(server, repo.id, token)
      expect(pr?.head).toBe(branch)
      const diff = PullRequestDiff.parse(
        (await server.request('GET', `/api/v1/repositories/${repo.id}/pulls/${pr?.number}/diff`, auth()))
          .json,
      )
      expect(diff.files.map((f) => f.path)).toEqual(['a.txt'])
      expect(diff.head_sha).toBe(pushed)
      expect(diff.base_sha).toBe(moved)
      expect(diff.patch).toContain('+x')
      expect(diff.patch).not.toContain('changed on main')
      expect(pr?.body).toMatch(/rebase/i)

      const rebase = (await eventsOf(server, done.id)).filter(
        (e) => e.type === 'git.progress' && (e.payload as { operation: string }).operation === 'rebase',
      )
      const phases = rebase.map((e) => (e.payload as { phase: string }).phase)
      expect(phases.filter((p) => p !== 'progress')).toEqual(['started', 'finished'])
    } finally {
      mover.dispose()
    }
  }, 120_000)

  it('fails clearly on a conflicting base change, pushes nothing and saves the work as a patch', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    const mover = await cloneRepo(repo, auth())
    const gate = scriptGate(server, repo.id)
    try {
      const task = await createTask(
        server,
        squad.id,
        {
          title: 'Rewrite a',
          repository_id: repo.id,
          assignee_id: agent.id,
          script: `${gate.wait}; echo from the task > a.txt`,
        },
        auth(),
      )
      const started = await startTask(server, task.id, auth())
      await untilAgentRuns(started.id)
      await mover.commitAndPush({ 'a.txt': 'from main\n' }, 'rewrite a on main')
      gate.open()

      const { done, log } = await run(started.id)
      expect(done.status, log).toBe('failed')
      expect(done.error).toMatch(/main moved while the task ran/)
      expect(done.error).toMatch(/conflict with this task's in a\.txt/)
      expect(done.error).toContain('Nothing was pushed')
      expect(step(done, 'push')).toMatchObject({ status: 'failed' })
      expect(step(done, 'pull_request').status).toBe('pending')

      expect(await remoteBranchSha(repo, `task-${task.number}`, token)).toBeNull()
      expect(await pullsOf(server, repo.id, token)).toHaveLength(0)
      expect(done.pull_request_url).toBeNull()

      const patch = step(done, 'cleanup').result?.patch
      expect(typeof patch).toBe('string')
      expect(patch).toBe(join(server.deps.config.dataDir, 'patches', `${done.id}.patch`))
      expect(existsSync(String(patch))).toBe(true)
      const text = await readFile(String(patch), 'utf8')
      expect(text).toContain('+from the task')
      expect(text).toContain(`Refs: task-${task.number}`)
      expect(log).toContain('Unpushed work saved as a patch')
      const rebase = (await eventsOf(server, done.id))
        .map((e) => e.payload as { operation?: string; phase?: string; message?: string })
        .filter((p) => p.operation === 'rebase' && p.phase !== 'progress')
      expect(rebase).toEqual([
        expect.objectContaining({ phase: 'started' }),
        expect.objectContaining({ phase: 'failed', message: 'conflict' }),
      ])
    } finally {
      mover.dispose()
    }
  }, 120_000)

  it('retries a push a pre-receive hook rejects, until the hook accepts it', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    const bare = server.deps.localForge.repoPath({ squadId: squad.id, name: repo.name })
    expect(bare).toBe(join(server.deps.config.dataDir, 'forge', squad.id, 'demo.git'))
    const attempts = join(bare, 'push-attempts')
    const hook = join(bare, 'hooks', 'pre-receive')
    await writeFile(
      hook,
      [
        '#!/bin/sh',
        'cat >/dev/null',
        `n=$(cat '${attempts}' 2>/dev/null || echo 0)`,
        'n=$((n + 1))',
        `echo "$n" > '${attempts}'`,
        'if [ "$n" -le 2 ]; then echo "busy: try again later ($n)" >&2; exit 1; fi',
        'exit 0',
        '',
      ].join('\n'),
    )
    await chmod(hook, 0o755)

    const task = await createTask(
      server,
      squad.id,
      { title: 'Append to a', repository_id: repo.id, assignee_id: agent.id, script: 'echo y >> a.txt' },
      auth(),
    )
    const retriesBefore = await counter('squad_git_retries_total', { operation: 'push' })
    const failuresBefore = await counter('squad_git_failures_total', { operation: 'push', kind: 'transient' })
    const { done, log } = await run((await startTask(server, task.id, auth())).id)
    expect(done.status, `${done.error}\n${log}`).toBe('succeeded')
    expect((await readFile(attempts, 'utf8')).trim()).toBe('3')
    // /metrics counts both rejected pushes as transient failures, and both retries.
    expect((await counter('squad_git_retries_total', { operation: 'push' })) - retriesBefore).toBe(2)
    expect(
      (await counter('squad_git_failures_total', { operation: 'push', kind: 'transient' })) - failuresBefore,
    ).toBe(2)
    expect(count(log, /git push: a server-side hook rejected the push; retrying in \d+ ms/g)).toBe(2)
    expect(log).toContain('busy: try again later (1)')
    expect(log).toContain('busy: try again later (2)')
    const retrying = (await eventsOf(server, done.id)).filter(
      (e) => e.type === 'git.progress' && (e.payload as { phase: string }).phase === 'retrying',
    )
    expect(retrying.map((e) => e.payload)).toEqual([
      expect.objectContaining({ operation: 'push', message: expect.stringContaining('retry 2') }),
      expect.objectContaining({ operation: 'push', message: expect.stringContaining('retry 3') }),
    ])
    expect(await remoteBranchSha(repo, `task-${task.number}`, token)).toBe(done.commit_history[0]?.sha)
    expect(await pullsOf(server, repo.id, token)).toHaveLength(1)
  }, 120_000)

  it('fails fast, once, with what to fix, when the git credentials are wrong', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    const handedOut: string[] = []
    forges.override(repo.id, (local) => ({
      ...local,
      async credentials() {
        const header = 'Authorization: Bearer sqd_wrongwrongwrongwrongwrongwrongwrong'
        handedOut.push(header)
        return { httpHeader: header }
      },
    }))
    const task = await createTask(
      server,
      squad.id,
      { title: 'Append to a', repository_id: repo.id, assignee_id: agent.id, script: 'echo y >> a.txt' },
      auth(),
    )
    const permanentBefore = await counter('squad_git_failures_total', {
      operation: 'clone',
      kind: 'permanent',
    })
    const t0 = Date.now()
    const { done, log } = await run((await startTask(server, task.id, auth())).id)
    const elapsed = Date.now() - t0
    expect(done.status).toBe('failed')
    expect(
      (await counter('squad_git_failures_total', { operation: 'clone', kind: 'permanent' })) -
        permanentBefore,
    ).toBe(1)
    expect(step(done, 'provision').status).toBe('failed')
    expect(done.error).toMatch(/authentication failed/i)
    expect(done.error).toContain('Check the repository token')
    expect(done.error).not.toContain('sqd_wrong')
    // One attempt: git cloned once, nothing was retried.
    expect(count(log, /^Cloning into bare repository/gm)).toBe(1)
    expect(log).not.toContain('retrying')
    const events = await eventsOf(server, done.id)
    expect(events.filter((e) => (e.payload as { phase?: string }).phase === 'retrying')).toHaveLength(0)
    expect(handedOut).toHaveLength(1)
    // No retry loop (the attempt count above is the proof; retries here would only cost ~20 ms each).
    expect(elapsed).toBeLessThan(15_000)
    expect(step(done, 'provision').duration_ms).toBeLessThan(5_000)
    expect(await remoteBranchSha(repo, `task-${task.number}`, token)).toBeNull()
  }, 120_000)

  it('retries an unreachable remote, then fails saying it could not be reached', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    const port = await closedPort()
    forges.override(repo.id, (local) => ({
      ...local,
      cloneUrl: (r) => local.cloneUrl(r).replace(/^http:\/\/[^/]+/, `http://127.0.0.1:${port}`),
    }))
    const task = await createTask(
      server,
      squad.id,
      { title: 'Append to a', repository_id: repo.id, assignee_id: agent.id, script: 'echo y >> a.txt' },
      auth(),
    )
    const transientBefore = await counter('squad_git_failures_total', {
      operation: 'clone',
      kind: 'transient',
    })
    const retriesBefore = await counter('squad_git_retries_total', { operation: 'clone' })
    const { done, log } = await run((await startTask(server, task.id, auth())).id)
    expect(done.status).toBe('failed')
    expect(step(done, 'provision').status).toBe('failed')
    expect(done.error).toMatch(/could not be reached/)
    // /metrics: four failed clones, three of them retried.
    expect(
      (await counter('squad_git_failures_total', { operation: 'clone', kind: 'transient' })) -
        transientBefore,
    ).toBe(4)
    expect((await counter('squad_git_retries_total', { operation: 'clone' })) - retriesBefore).toBe(3)
    expect(done.error).toContain(`127.0.0.1:${port}`)
    // gitAttempts (4) clones: the first and three retries.
    expect(count(log, /^Cloning into bare repository/gm)).toBe(4)
    expect(count(log, /retrying in \d+ ms/g)).toBe(3)
    const retrying = (await eventsOf(server, done.id)).filter(
      (e) => e.type === 'git.progress' && (e.payload as { phase: string }).phase === 'retrying',
    )
    expect(retrying).toHaveLength(3)
    expect(retrying.every((e) => (e.payload as { operation: string }).operation === 'clone')).toBe(true)
  }, 120_000)

  it('opens one pull request however often the step runs, and a new attempt updates it', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n' }, auth())
    const task = await createTask(
      server,
      squad.id,
      { title: 'Append to a', repository_id: repo.id, assignee_id: agent.id, script: 'echo one >> a.txt' },
      auth(),
    )
    const branch = `task-${task.number}`
    const first = await run((await startTask(server, task.id, auth())).id)
    expect(first.done.status, `${first.done.error}\n${first.log}`).toBe('succeeded')
    const [opened] = await pullsOf(server, repo.id, token)
    expect(step(first.done, 'pull_request').result).toMatchObject({ number: opened?.number, created: true })

    // The pull request step runs a second time (as after a crash between opening the PR and
    // recording it): re-queue the finished execution with only that step pending.
    const db = server.deps.database.db
    await db.transaction(async (tx) => {
      await tx
        .update(executionSteps)
        .set({ status: 'pending', result: null, startedAt: null, finishedAt: null })
        .where(and(eq(executionSteps.executionId, first.done.id), eq(executionSteps.name, 'pull_request')))
      await tx
        .update(taskExecutions)
        .set({ status: 'queued', leaseOwner: null, leaseExpiresAt: null, finishedAt: null })
        .where(eq(taskExecutions.id, first.done.id))
    })
    const again = await run(first.done.id)
    expect(again.done.status, `${again.done.error}\n${again.log}`).toBe('succeeded')
    expect(step(again.done, 'pull_request').result).toMatchObject({ number: opened?.number, created: false })
    expect(step(again.done, 'pull_request').attempt).toBe(2)
    const afterRerun = await pullsOf(server, repo.id, token)
    expect(afterRerun).toHaveLength(1)
    expect(afterRerun[0]?.number).toBe(opened?.number)
    // The same draft again: found, not duplicated, and not even rewritten.
    expect(afterRerun[0]?.updated_at).toBe(opened?.updated_at)

    // A new attempt with a changed script continues the same branch and updates the same PR.
    const patched = await server.request('PATCH', `/api/v1/tasks/${task.id}`, {
      ...auth(),
      body: { script: 'echo two >> a.txt' },
    })
    expect(patched.status).toBe(200)
    const firstSha = await remoteBranchSha(repo, branch, token)
    const second = await run((await startTask(server, task.id, auth())).id)
    expect(second.done.status, `${second.done.error}\n${second.log}`).toBe('succeeded')
    expect(second.done.attempt).toBe(2)
    expect(second.done.git_branch).toBe(branch)
    expect(step(second.done, 'branch').result).toMatchObject({ continued: true, start_commit: firstSha })
    expect(step(second.done, 'pull_request').result).toMatchObject({
      number: opened?.number,
      created: false,
    })
    const pulls = await pullsOf(server, repo.id, token)
    expect(pulls).toHaveLength(1)
    expect(pulls[0]).toMatchObject({ number: opened?.number, head: branch, state: 'open' })
    // Updated with the new attempt's description, not duplicated.
    expect(pulls[0]?.body).toContain('echo two >> a.txt')
    expect(Date.parse(pulls[0]?.updated_at ?? '')).toBeGreaterThan(Date.parse(opened?.updated_at ?? ''))

    const pushed = await remoteBranchSha(repo, branch, token)
    expect(pushed).toBe(second.done.commit_history.at(-1)?.sha)
    const clone = await cloneRepo(repo, { token, branch })
    try {
      // The second attempt's commit sits on top of the first: nothing was force-pushed away.
      await clone.git(['merge-base', '--is-ancestor', firstSha ?? '', 'HEAD'])
      expect(await readFile(join(clone.dir, 'a.txt'), 'utf8')).toBe('a\none\ntwo\n')
    } finally {
      clone.dispose()
    }
    const diff = PullRequestDiff.parse(
      (await server.request('GET', `/api/v1/repositories/${repo.id}/pulls/${opened?.number}/diff`, auth()))
        .json,
    )
    expect(diff.head_sha).toBe(pushed)
  }, 120_000)

  it('continues the branch on a base that moved since the last attempt, and updates the same PR', async () => {
    const { squad, agent, repo } = await setupSquad(server, { 'a.txt': 'a\n', 'b.txt': 'b\n' }, auth())
    const task = await createTask(
      server,
      squad.id,
      { title: 'Append to a', repository_id: repo.id, assignee_id: agent.id, script: 'echo one >> a.txt' },
      auth(),
    )
    const branch = `task-${task.number}`
    const first = await run((await startTask(server, task.id, auth())).id)
    expect(first.done.status, `${first.done.error}\n${first.log}`).toBe('succeeded')
    const firstSha = await remoteBranchSha(repo, branch, token)
    const mover = await cloneRepo(repo, auth())
    try {
      const moved = await mover.commitAndPush({ 'b.txt': 'b, changed on main\n' }, 'change b on main')
      await server.request('PATCH', `/api/v1/tasks/${task.id}`, {
        ...auth(),
        body: { script: 'echo two >> a.txt' },
      })
      const second = await run((await startTask(server, task.id, auth())).id)
      expect(second.done.status, `${second.done.error}\n${second.log}`).toBe('succeeded')
      expect(step(second.done, 'branch').result).toMatchObject({ continued: true, start_commit: firstSha })
      expect(step(second.done, 'push').result).toMatchObject({ rebased: true, base: moved })

      // Both attempts' commits now sit on the new main; the PR is the same one, showing only a.txt.
      const pushed = await remoteBranchSha(repo, branch, token)
      await mover.git(['fetch', '-q', 'origin', branch])
      expect(await mover.git(['rev-parse', `${pushed}~2`])).toBe(moved)
      expect(await mover.git(['show', `${pushed}:a.txt`])).toBe('a\none\ntwo')
      expect(second.done.commit_history.map((c) => c.sha).at(-1)).toBe(pushed)
      const pulls = await pullsOf(server, repo.id, token)
      expect(pulls).toHaveLength(1)
      expect(step(second.done, 'pull_request').result).toMatchObject({
        number: pulls[0]?.number,
        created: false,
      })
      const diff = PullRequestDiff.parse(
        (
          await server.request(
            'GET',
            `/api/v1/repositories/${repo.id}/pulls/${pulls[0]?.number}/diff`,
            auth(),
          )
        ).json,
      )
      expect(diff.files.map((f) => f.path)).toEqual(['a.txt'])
    } finally {
      mover.dispose()
    }
  }, 120_000)
})
