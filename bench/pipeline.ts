// Twenty tasks started at once on one repository (5,000 files, ~50 MB, 200 commits) against a real
// `squad serve` child process, each run by the script agent through the whole pipeline (sandbox,
// branch, commit, push, pull request). Printed beside a baseline measured in the same run: the same
// work done by hand with no server (clone over smart HTTP, switch -c, the script, commit, push), and
// one task run alone on the warm cache.
//
//   node bench/pipeline.ts                 PGlite in the server's data folder
//   node bench/pipeline.ts --postgres      a new database on 127.0.0.1:5432 (SQUAD_BENCH_POSTGRES_URL)
//   options: --tasks 20 --files 5000 --mb 50 --commits 200 --baseline-runs 3 --alone-runs 3
//            --keep-repo DIR (reuse a generated repository)
//
// Figures: orchestration overhead per task (queued → finished minus the agent step's own `agent_ms`),
// enqueue → start (execution queued_at → started_at, and → the provision step's start), tasks per
// minute, and the server process's peak RSS (VmHWM, and /proc samples every 50 ms). It checks that
// every task ended with an open pull request and that all the branches merge into main together
// without a conflict. Benchmarks print, they never assert.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  Agent,
  Execution,
  ExecutionWithSteps,
  PullRequest,
  Repository,
  Squad,
  Task,
} from '@agent-squad/contract'
import { releaseWorkspace } from '../packages/server/src/sandbox/folder/workspace.ts'
import { parseArgs, printTable } from './lib/args.ts'
import { generateRepo, git, pathOf } from './lib/generate-repo.ts'
import { createBenchDatabase } from './lib/postgres.ts'
import { type SquadServe, startSquadServe } from './lib/squad-serve.ts'

const args = parseArgs()
const taskCount = args.number('tasks', 20)
const files = args.number('files', 5000)
const megabytes = args.number('mb', 50)
const commits = args.number('commits', 200)
const baselineRuns = args.number('baseline-runs', 3)
const aloneRuns = args.number('alone-runs', 3)
const keptRepo = args.string('keep-repo', '')
const onPostgres = args.has('postgres')
const TASK_TIMEOUT_MS = 10 * 60_000

const work = await mkdtemp(join(tmpdir(), 'squad-bench-pipeline-'))
const pgDb = onPostgres ? await createBenchDatabase() : null
let server: SquadServe | undefined
let sampler: NodeJS.Timeout | undefined

const elapsed = async (fn: () => Promise<unknown>) => {
  const start = performance.now()
  await fn()
  return performance.now() - start
}
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN
}
const ms = (value: number) =>
  Number.isNaN(value) ? '—' : value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`
const at = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN)

/** Resident memory of a process in MB: VmRSS now, VmHWM the kernel's high-water mark. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0)
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 }
}

try {
  // The repository, generated once (deterministic).
  const source = keptRepo || join(work, 'generated')
  const genMs = await elapsed(async () => {
    if (!keptRepo) await generateRepo({ dir: source, files, bytes: megabytes * 1024 * 1024, commits })
  })

  // A real `squad serve`, in its own process so its RSS is its own.
  server = await startSquadServe({
    cwd: work,
    env: {
      SQUAD_DATA_DIR: join(work, 'data'),
      SQUAD_MAX_CONCURRENCY: String(taskCount),
      SQUAD_SQUAD_CONCURRENCY: String(taskCount),
      ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
    },
  })
  const { base, pid } = server
  const startup = memoryOf(pid)
  const idleRss = startup.rss
  // RSS sampled every 50 ms from here on, with the peak of each phase of the run.
  let phase = 'set-up and push'
  const peaks = new Map<string, number>()
  sampler = setInterval(() => {
    try {
      const { rss } = memoryOf(pid)
      peaks.set(phase, Math.max(peaks.get(phase) ?? 0, rss))
    } catch {}
  }, 50)

  async function api(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`)
    return text ? JSON.parse(text) : {}
  }

  const squad = Squad.parse(
    await api('POST', '/api/v1/squads', { name: 'bench', config: { max_concurrency: taskCount } }),
  )
  const agent = Agent.parse(
    await api('POST', `/api/v1/squads/${squad.id}/agents`, {
      name: 'Codemod Bot',
      role: 'backend',
      llm_provider: 'script',
    }),
  )
  const repo = Repository.parse(await api('POST', `/api/v1/squads/${squad.id}/repositories`, { name: 'big' }))
  const cloneUrl = repo.clone_url ?? ''
  const gitAuth = await server.gitAuth()
  const pushMs = await elapsed(() => git(source, [...gitAuth, 'push', '-q', cloneUrl, 'main']))

  // Each task appends to a file of its own, so no two pull requests touch the same file.
  const scriptFor = (n: number) => `printf '// touched by task ${n}\\n' >> ${pathOf((n * 37) % files)}`
  let taskSerial = 0
  async function createTask() {
    const n = ++taskSerial
    return Task.parse(
      await api('POST', `/api/v1/squads/${squad.id}/tasks`, {
        title: `Touch file ${n}`,
        description: 'Appends a comment line.',
        repository_id: repo.id,
        assignee_id: agent.id,
        script: scriptFor(n),
      }),
    )
  }
  const startTask = async (taskId: string) =>
    Execution.parse(await api('POST', `/api/v1/tasks/${taskId}/executions`, {}))
  async function waitFor(executionIds: string[]): Promise<ExecutionWithSteps[]> {
    const done = new Map<string, ExecutionWithSteps>()
    const deadline = Date.now() + TASK_TIMEOUT_MS
    while (done.size < executionIds.length) {
      if (Date.now() > deadline)
        throw new Error(`${executionIds.length - done.size} executions did not finish`)
      await new Promise((resolve) => setTimeout(resolve, 250))
      for (const id of executionIds) {
        if (done.has(id)) continue
        const execution = ExecutionWithSteps.parse(await api('GET', `/api/v1/executions/${id}`))
        if (['succeeded', 'failed', 'cancelled', 'no_changes'].includes(execution.status))
          done.set(id, execution)
      }
    }
    return executionIds.map((id) => done.get(id) as ExecutionWithSteps)
  }

  type Figures = {
    execution: ExecutionWithSteps
    total: number
    agentMs: number
    overhead: number
    toStart: number
    toProvision: number
  }
  const figuresOf = (execution: ExecutionWithSteps): Figures => {
    const step = (name: string) => execution.steps.find((s) => s.name === name)
    const agentMs = Number(step('agent')?.result?.agent_ms ?? Number.NaN)
    const total = at(execution.finished_at) - at(execution.queued_at)
    return {
      execution,
      total,
      agentMs,
      overhead: total - agentMs,
      toStart: at(execution.started_at) - at(execution.queued_at),
      toProvision: at(step('provision')?.started_at) - at(execution.queued_at),
    }
  }
  const runAlone = async () =>
    figuresOf((await waitFor([(await startTask((await createTask()).id)).id]))[0] as ExecutionWithSteps)

  phase = 'baseline by hand (clones over HTTP)'
  // Baseline, same run: one task's work by hand, no server in the way (what a bare script does).
  const byHand: number[] = []
  for (let i = 0; i < baselineRuns; i++) {
    const dir = join(work, `hand-${i}`)
    await mkdir(dir)
    const n = 10_000 + i
    byHand.push(
      await elapsed(async () => {
        await git(dir, ['clone', '-q', cloneUrl, 'repo'])
        const repoDir = join(dir, 'repo')
        await git(repoDir, ['switch', '-q', '-c', `hand-${n}`])
        await new Promise<void>((resolve, reject) =>
          spawn('/bin/sh', ['-c', scriptFor(n)], { cwd: repoDir, stdio: 'ignore' }).on('close', (code) =>
            code === 0 ? resolve() : reject(new Error(`script exited ${code}`)),
          ),
        )
        await git(repoDir, ['add', '-A'])
        await git(repoDir, ['commit', '-q', '-m', `chore: touch file ${n}`])
        await git(repoDir, [...gitAuth, 'push', '-q', 'origin', `hand-${n}`])
      }),
    )
    await rm(dir, { recursive: true, force: true })
  }

  // The first task on the repository fills the cache (cold); the next runs alone on a warm cache.
  phase = 'first task, cold cache'
  const cold = await runAlone()
  phase = 'one task, warm cache'
  const alones: Figures[] = []
  for (let i = 0; i < aloneRuns; i++) alones.push(await runAlone())

  // The burst: every task created first, then all started at once.
  const tasks = await Promise.all(Array.from({ length: taskCount }, () => createTask()))
  phase = `${taskCount} tasks at once`
  const burstStart = performance.now()
  const posted: number[] = []
  // When each 202 reached this process (wall clock, which the database's clock_timestamp() shares):
  // the row was committed before that, so started_at minus it bounds the worker's own share of the
  // wait from above (negative: claimed before the client even had its answer).
  const answeredAt = new Map<string, number>()
  const executions = await Promise.all(
    tasks.map(async (task) => {
      const start = performance.now()
      const execution = await startTask(task.id)
      posted.push(performance.now() - start)
      answeredAt.set(execution.id, Date.now())
      return execution
    }),
  )
  const finished = await waitFor(executions.map((e) => e.id))
  const burstWallMs = performance.now() - burstStart
  phase = 'checks'
  const memory = memoryOf(pid)
  const burst = finished.map(figuresOf)

  // Every task has an open pull request, and all of them merge into main together without a conflict.
  const pulls = (
    (await api('GET', `/api/v1/repositories/${repo.id}/pulls?limit=500`)) as { items: unknown[] }
  ).items.map((p) => PullRequest.parse(p))
  const openHeads = new Set(pulls.filter((p) => p.state === 'open').map((p) => p.head))
  const withPr = burst.filter((f) => f.execution.git_branch && openHeads.has(f.execution.git_branch)).length
  const check = join(work, 'check')
  await git(work, ['clone', '-q', cloneUrl, check])
  let conflicts = 0
  for (const f of burst) {
    const branch = f.execution.git_branch ?? ''
    if (!openHeads.has(branch)) continue
    await git(check, ['fetch', '-q', 'origin', `${branch}:${branch}`])
    await git(check, ['merge', '-q', '--no-edit', branch]).catch(async () => {
      conflicts++
      await git(check, ['merge', '--abort']).catch(() => {})
    })
  }

  const statuses = new Map<string, number>()
  for (const f of burst) statuses.set(f.execution.status, (statuses.get(f.execution.status) ?? 0) + 1)
  const firstQueued = Math.min(...burst.map((f) => at(f.execution.queued_at)))
  const lastFinished = Math.max(...burst.map((f) => at(f.execution.finished_at)))
  const spanMs = lastFinished - firstQueued
  const handMs = quantile(byHand, 0.5)
  const of = (list: Figures[], key: 'total' | 'overhead' | 'agentMs' | 'toStart' | 'toProvision') =>
    list.map((f) => f[key])
  const p50 = (values: number[]) => quantile(values, 0.5)

  console.log(
    `Agent Squad pipeline bench: ${taskCount} tasks started at once, script agent, local sandbox and forge`,
  )
  console.log(
    `  repository: ${files} files, ~${megabytes} MB, ${commits} commits${keptRepo ? ' (reused)' : ` (generated in ${(genMs / 1000).toFixed(1)} s)`}, pushed in ${(pushMs / 1000).toFixed(1)} s`,
  )
  console.log(
    `  squad serve (pid ${pid}) on ${pgDb ? 'PostgreSQL 127.0.0.1:5432' : 'PGlite'}, SQUAD_MAX_CONCURRENCY=${taskCount}, ` +
      `squad max_concurrency=${taskCount}; node ${process.versions.node}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  )
  console.log(
    `  outcome: ${[...statuses].map(([s, n]) => `${n} ${s}`).join(', ')}; open pull requests ${withPr}/${taskCount}; ` +
      `merge conflicts between them ${conflicts}`,
  )
  for (const f of burst.filter((f) => f.execution.status !== 'succeeded'))
    console.log(`  ${f.execution.git_branch} ${f.execution.status}: ${f.execution.error}`)
  console.log()
  const row = (name: string, values: number[], ratioTo?: number) => [
    name,
    String(values.length),
    ms(quantile(values, 0.5)),
    ms(quantile(values, 0.95)),
    ms(Math.max(...values)),
    ratioTo ? `${(quantile(values, 0.5) / ratioTo).toFixed(3)}x` : '',
  ]
  printTable(
    ['per task', 'n', 'p50', 'p95', 'max', 'p50 vs by hand'],
    [
      row('by hand: clone + switch + script + commit + push (baseline)', byHand, handMs),
      row('alone, cold cache (first task): queued → finished', [cold.total], handMs),
      row('alone, warm cache: queued → finished', of(alones, 'total'), handMs),
      row('alone, warm cache: overhead (minus agent_ms)', of(alones, 'overhead'), handMs),
      row('alone, warm cache: enqueue → started_at', of(alones, 'toStart')),
      row(`${taskCount} at once: queued → finished`, of(burst, 'total'), handMs),
      row(`${taskCount} at once: overhead (minus agent_ms)`, of(burst, 'overhead'), handMs),
      row(`${taskCount} at once: agent_ms (the script itself)`, of(burst, 'agentMs')),
      row(`${taskCount} at once: enqueue → started_at`, of(burst, 'toStart')),
      row(`${taskCount} at once: enqueue → provision starts`, of(burst, 'toProvision')),
      row(`${taskCount} at once: POST /executions answered`, posted),
      row(
        `${taskCount} at once: 202 received → started_at`,
        burst.map((f) => at(f.execution.started_at) - (answeredAt.get(f.execution.id) ?? Number.NaN)),
      ),
    ],
  )
  console.log()
  const stepNames = burst[0]?.execution.steps.map((s) => s.name) ?? []
  const stepMs = (f: Figures, name: string) =>
    f.execution.steps.find((s) => s.name === name)?.duration_ms ?? Number.NaN
  const stepValues = (list: Figures[], name: string) =>
    list.map((f) => stepMs(f, name)).filter((v) => !Number.isNaN(v))
  printTable(
    ['step duration', 'cold (first)', 'alone, warm p50', `${taskCount} at once p50`, 'p95'],
    stepNames.map((name) => [
      name,
      ms(stepMs(cold, name)),
      ms(p50(stepValues(alones, name))),
      ms(p50(stepValues(burst, name))),
      ms(quantile(stepValues(burst, name), 0.95)),
    ]),
  )
  console.log()
  const perMinute = (taskCount / spanMs) * 60_000
  const sampledPeak = Math.max(...[...peaks].filter(([name]) => name !== 'set-up and push').map(([, v]) => v))
  printTable(
    ['throughput and memory', 'value', 'vs baseline'],
    [
      [
        `tasks per minute (${taskCount} at once, first queued → last finished ${ms(spanMs)})`,
        perMinute.toFixed(1),
        `${(perMinute / (60_000 / handMs)).toFixed(2)}x by hand, one after another`,
      ],
      ['bench wall time of the burst', ms(burstWallMs), ''],
      ['server RSS once it answers /health (MB)', idleRss.toFixed(0), '1.00x'],
      [
        'server RSS high-water mark by then: start-up, VmHWM (MB)',
        startup.hwm.toFixed(0),
        `${(startup.hwm / idleRss).toFixed(2)}x`,
      ],
      ...[...peaks].map(([name, peak]) => [
        `server RSS peak, sampled every 50 ms: ${name} (MB)`,
        peak.toFixed(0),
        `${(peak / idleRss).toFixed(2)}x`,
      ]),
      [
        'server RSS high-water mark, whole run, VmHWM (MB)',
        memory.hwm.toFixed(0),
        `${(memory.hwm / idleRss).toFixed(2)}x`,
      ],
    ],
  )
  console.log()
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met')
  const aloneOverhead = p50(of(alones, 'overhead'))
  const burstOverhead = p50(of(burst, 'overhead'))
  const toStartAlone = p50(of(alones, 'toStart'))
  const toStartBurst = p50(of(burst, 'toStart'))
  console.log(
    `targets: overhead p50 < 1 s warm: ${ms(aloneOverhead)} alone — ${verdict(aloneOverhead < 1000)}; ` +
      `${ms(burstOverhead)} with ${taskCount} at once — ${verdict(burstOverhead < 1000)}`,
  )
  console.log(
    `         enqueue → start p50 < 50 ms: ${ms(toStartAlone)} alone — ${verdict(toStartAlone < 50)}; ` +
      `${ms(toStartBurst)} with ${taskCount} at once — ${verdict(toStartBurst < 50)}`,
  )
  console.log(
    `         server RSS < 500 MB: peak after start-up ${sampledPeak.toFixed(0)} MB — ${verdict(sampledPeak < 500)}; ` +
      `VmHWM ${memory.hwm.toFixed(0)} MB (start-up ${startup.hwm.toFixed(0)} MB) — ${verdict(memory.hwm < 500)}`,
  )
  console.log(
    `         all PRs open ${verdict(withPr === taskCount)}, zero conflicts ${verdict(conflicts === 0)}`,
  )
} finally {
  if (sampler) clearInterval(sampler)
  await server?.stop()
  await pgDb?.drop().catch(() => {})
  await releaseWorkspace(work).catch(() => {})
  await rm(work, { recursive: true, force: true }).catch(() => {})
}
