import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  Agent,
  Execution,
  ExecutionWithSteps,
  Repository,
  Squad,
  type StreamEvent,
  Task,
} from '@agent-squad/contract'
import { releaseWorkspace } from '../packages/server/src/sandbox/folder/workspace.ts'
import { startFakeOpenAI } from '../packages/server/test/agents/fakes/openai-chat-server.ts'
import type { FakeTurn, RecordedRequest } from '../packages/server/test/agents/fakes/scripted-model.ts'
import { openSse, type SseClient } from '../packages/server/test/helpers/sse-client.ts'
import { parseArgs, printTable } from './lib/args.ts'
import { git } from './lib/generate-repo.ts'
import { createBenchDatabase } from './lib/postgres.ts'
import { type SquadServe, startSquadServe } from './lib/squad-serve.ts'

const args = parseArgs()
const taskCount = args.number('tasks', 20)
const runs = args.number('runs', 1)
const sequentialCount = args.number('sequential', taskCount)
const chunkDelayMs = args.number('chunk-delay', 2)
const onPostgres = args.has('postgres')
const PASS_TIMEOUT_MS = 10 * 60_000
const MODEL_KEY = 'sk-bench-agents-0123456789abcdef'
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'no_changes'])

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN
}
const ms = (value: number) =>
  Number.isNaN(value) ? '—' : value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`
const ratio = (value: number, base: number) =>
  Number.isFinite(value / base) ? `${(value / base).toFixed(2)}x` : '—'
const at = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN)
const sleep = (time: number) => new Promise((resolve) => setTimeout(resolve, time))

/** kB of one field of /proc/<pid>/status (0 when the process is gone). */
function statusKb(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0)
  } catch {
    return 0
  }
}

/** CPU seconds of a process: its own (user + system) and its reaped children's (git, bwrap, …). */
function cpuOf(pid: number): { own: number; children: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number)
    // After the comm: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14), in 1/100 s ticks.
    const tick = (i: number) => (fields[i] ?? 0) / 100
    return { own: tick(11) + tick(12), children: tick(13) + tick(14) }
  } catch {
    return { own: Number.NaN, children: Number.NaN }
  }
}

/** The whole machine's CPU time so far, busy and total, in ticks (first line of /proc/stat). */
function machineCpu(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number)
  const total = fields.reduce((sum, v) => sum + v, 0)
  // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total }
}

/** The pids below `root` (sandboxes, git, bwrap), from each process's parent in /proc/<pid>/stat. */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // pid (comm) state ppid …: comm may hold spaces or parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const list = children.get(ppid) ?? []
      list.push(Number(name))
      children.set(ppid, list)
    } catch {}
  }
  const out: number[] = []
  const queue = [...(children.get(root) ?? [])]
  while (queue.length > 0) {
    const pid = queue.pop() as number
    out.push(pid)
    queue.push(...(children.get(pid) ?? []))
  }
  return out
}

// ── The fake model: one server, every conversation picked from its own request ──────────────────
// The step is the number of assistant messages so far; the item comes from the task's title in the
// first user message ("Task #12: Finish item 7"). Each turn streams a sentence in small chunks.
const itemOf = (request: RecordedRequest) => {
  const messages = (request.body.messages ?? []) as { role: string; content: unknown }[]
  for (const message of messages) {
    if (message.role !== 'user') continue
    const match = /Finish item (\d+)/.exec(JSON.stringify(message.content))
    if (match) return Number(match[1])
  }
  return Number.NaN
}
const stepOf = (request: RecordedRequest) =>
  ((request.body.messages ?? []) as { role: string }[]).filter((m) => m.role === 'assistant').length
const unscripted: string[] = []
const turnFor = (request: RecordedRequest): FakeTurn => {
  const item = itemOf(request)
  const step = stepOf(request)
  const path = `src/item-${item}.txt`
  const usage = { input: 1500 + 400 * step, output: 60 }
  const turn = (body: Omit<Extract<FakeTurn, { text?: string }>, 'chunkDelayMs' | 'usage'>): FakeTurn => ({
    ...body,
    usage,
    chunkDelayMs,
  })
  if (Number.isNaN(item)) {
    unscripted.push(`no "Finish item N" in request ${JSON.stringify(request.body).slice(0, 200)}`)
    return { error: { status: 500 } }
  }
  switch (step) {
    case 0:
      return turn({
        text: `I will start by reading ${path} to see what item ${item} still needs before I change it.`,
        toolCalls: [{ id: `read-${item}`, name: 'read', args: { path } }],
      })
    case 1:
      return turn({
        reasoning: `The file says todo; the test greps for done, so item ${item} needs that one word changed.`,
        text: `Item ${item} is still marked todo. Marking it done.`,
        toolCalls: [
          { id: `edit-${item}`, name: 'edit', args: { path, old_string: 'todo', new_string: 'done' } },
        ],
      })
    case 2:
      return turn({
        text: `Running the test for item ${item} to check the change before finishing.`,
        toolCalls: [{ id: `run-${item}`, name: 'run', args: { command: `sh test.sh ${item}` } }],
      })
    case 3:
      return turn({
        text: `The test passes: item ${item} is done.`,
        toolCalls: [
          {
            id: `finish-${item}`,
            name: 'finish',
            args: {
              summary: `Item ${item} is marked done; sh test.sh ${item} passes.`,
              commit_type: 'feat',
              commit_scope: 'items',
              commit_subject: `finish item ${item}`,
            },
          },
        ],
      })
    default:
      unscripted.push(`item ${item}: step ${step} past the script`)
      return { error: { status: 500 } }
  }
}
const fake = await startFakeOpenAI((request) => turnFor(request))

const work = await mkdtemp(join(tmpdir(), 'squad-bench-agents-'))
const pgDb = onPostgres ? await createBenchDatabase() : null
let server: SquadServe | undefined
let sampler: NodeJS.Timeout | undefined
let squadStream: SseClient | undefined

try {
  // ── A real `squad serve`, in its own process so its RSS is its own ─────────────────────────────
  server = await startSquadServe({
    cwd: work,
    stderrCap: 256 * 1024,
    env: {
      SQUAD_DATA_DIR: join(work, 'data'),
      SQUAD_SANDBOX: 'local',
      SQUAD_KEEP_FAILED_SANDBOX_MINUTES: '0',
      SQUAD_MAX_CONCURRENCY: String(taskCount),
      SQUAD_SQUAD_CONCURRENCY: String(taskCount),
      SQUAD_BENCH_MODEL_KEY: MODEL_KEY,
      ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
    },
  })
  const { base, pid } = server

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

  // ── Squad, built-in agent, repository (one file per item, a test that checks it) ──────────────
  const squad = Squad.parse(
    await api('POST', '/api/v1/squads', { name: 'bench-agents', config: { max_concurrency: taskCount } }),
  )
  const agent = Agent.parse(
    await api('POST', `/api/v1/squads/${squad.id}/agents`, {
      name: 'Builder',
      role: 'backend',
      llm_provider: 'openai-compatible',
      llm_model: 'bench-coder',
      config: { base_url: fake.url, api_key_env: 'SQUAD_BENCH_MODEL_KEY' },
    }),
  )
  const repo = Repository.parse(
    await api('POST', `/api/v1/squads/${squad.id}/repositories`, { name: 'items' }),
  )
  const seed = join(work, 'seed')
  await git(work, ['init', '-q', '-b', 'main', seed])
  await mkdir(join(seed, 'src'))
  await writeFile(join(seed, 'README.md'), '# Items\n')
  await writeFile(join(seed, 'AGENTS.md'), 'Run `sh test.sh N` for the item you changed before you finish.\n')
  await writeFile(
    join(seed, 'test.sh'),
    'grep -q done "src/item-$1.txt" && echo "1 passed" || { echo "item $1 is not done" >&2; exit 1; }\n',
  )
  // A file of its own for every task (the warm-up, then each pass of each run): no two branches touch
  // the same file, so no pass pays for overlap warnings against the open pull requests of another.
  const items = 1 + runs * (sequentialCount + taskCount)
  for (let i = 1; i <= items; i++) await writeFile(join(seed, `src/item-${i}.txt`), `item ${i}: todo\n`)
  await git(seed, ['add', '-A'])
  await git(seed, ['commit', '-q', '-m', 'initial commit'])
  await git(seed, [...(await server.gitAuth()), 'push', '-q', repo.clone_url ?? '', 'main'])

  // ── Completion from the squad's stream (execution.updated is task-scoped, so it is on it) ──────
  const finishedAt = new Map<string, number>()
  let lastSquadEventId = 0
  squadStream = await openSse(`${base}/api/v1/sse/squads/${squad.id}`)
  const onSquadEvents = () => {
    for (const event of squadStream?.events.splice(0) ?? []) {
      lastSquadEventId = Math.max(lastSquadEventId, event.id)
      if (event.type !== 'execution.updated' && event.type !== 'execution.created') continue
      const execution = event.payload as { id: string; status: string }
      if (TERMINAL.has(execution.status) && !finishedAt.has(execution.id))
        finishedAt.set(execution.id, performance.now())
    }
  }

  async function waitFor(executionIds: string[]): Promise<void> {
    const deadline = performance.now() + PASS_TIMEOUT_MS
    let lastPoll = performance.now()
    for (;;) {
      onSquadEvents()
      if (executionIds.every((id) => finishedAt.has(id))) return
      if (performance.now() > deadline)
        throw new Error(
          `${executionIds.filter((id) => !finishedAt.has(id)).length} executions did not finish`,
        )
      if (server?.child.exitCode !== null) throw new Error(`squad serve exited:\n${server?.stderr()}`)
      // A fallback in case the stream dropped: ask the API every 5 s about what is still open.
      if (performance.now() - lastPoll > 5000) {
        lastPoll = performance.now()
        for (const id of executionIds.filter((id) => !finishedAt.has(id))) {
          const execution = Execution.parse(await api('GET', `/api/v1/executions/${id}`))
          if (TERMINAL.has(execution.status)) finishedAt.set(id, performance.now())
        }
      }
      await sleep(20)
    }
  }

  /** Every event of a task's stream (its executions' conversation, log and steps included), replayed. */
  async function eventsOfTask(taskId: string): Promise<StreamEvent[]> {
    const client = await openSse(`${base}/api/v1/sse/tasks/${taskId}`)
    try {
      // The replay is done once nothing has come for 500 ms (the work is over, nothing is live).
      let seen = -1
      while (seen !== client.messages.length) {
        seen = client.messages.length
        await sleep(500)
      }
      return [...client.events]
    } finally {
      client.abort()
    }
  }

  // ── Memory: the server alone and its whole tree, sampled every 100 ms ─────────────────────────
  const bootRssMb = statusKb(pid, 'VmRSS') / 1024
  const bootHwmMb = statusKb(pid, 'VmHWM') / 1024
  let idleRssMb = bootRssMb
  let peakServer = 0
  let peakTree = 0
  let peakProcesses = 0
  const sample = () => {
    const server = statusKb(pid, 'VmRSS')
    const below = descendantsOf(pid)
    const tree = server + below.reduce((sum, p) => sum + statusKb(p, 'VmRSS'), 0)
    peakServer = Math.max(peakServer, server / 1024)
    peakTree = Math.max(peakTree, tree / 1024)
    peakProcesses = Math.max(peakProcesses, below.length)
  }
  sampler = setInterval(sample, 100)

  let serial = 0
  async function createTask(): Promise<Task> {
    const item = ++serial
    return Task.parse(
      await api('POST', `/api/v1/squads/${squad.id}/tasks`, {
        title: `Finish item ${item}`,
        description: `src/item-${item}.txt still says todo; make it say done.`,
        repository_id: repo.id,
        assignee_id: agent.id,
      }),
    )
  }
  const startTask = async (taskId: string) =>
    Execution.parse(await api('POST', `/api/v1/tasks/${taskId}/executions`, {}))

  type Pass = {
    name: string
    count: number
    wallMs: number
    spanMs: number
    executions: ExecutionWithSteps[]
    durations: number[]
    agentMs: number[]
    events: StreamEvent[]
    peakEventsPerSecond: number
    idSpan: number
    requests: number
    peakServerMb: number
    peakTreeMb: number
    peakProcesses: number
    hwmMb: number
    serverCpuS: number
    childrenCpuS: number
    benchCpuS: number
    machineBusy: number
    toStart: number[]
  }

  /** Creates `count` tasks, then starts them all at once (`concurrent`) or each after the last ended. */
  async function runPass(name: string, count: number, concurrent: boolean): Promise<Pass> {
    const tasks: Task[] = []
    for (let i = 0; i < count; i++) tasks.push(await createTask())
    onSquadEvents()
    const idBefore = lastSquadEventId
    const requestsBefore = fake.requests.length
    peakServer = 0
    peakTree = 0
    peakProcesses = 0
    sample()
    const cpuBefore = cpuOf(pid)
    const benchCpuBefore = process.cpuUsage()
    const machineBefore = machineCpu()
    const start = performance.now()
    const ids: string[] = []
    if (concurrent) {
      ids.push(...(await Promise.all(tasks.map(async (task) => (await startTask(task.id)).id))))
      await waitFor(ids)
    } else {
      for (const task of tasks) {
        const id = (await startTask(task.id)).id
        ids.push(id)
        await waitFor([id])
      }
    }
    const wallMs = Math.max(...ids.map((id) => finishedAt.get(id) ?? Number.NaN)) - start
    sample()
    const cpuAfter = cpuOf(pid)
    const benchCpu = process.cpuUsage(benchCpuBefore)
    const machineAfter = machineCpu()
    const pass = { peakServerMb: peakServer, peakTreeMb: peakTree, peakProcesses }
    const requests = fake.requests.length - requestsBefore
    const hwmMb = statusKb(pid, 'VmHWM') / 1024
    const executions = await Promise.all(
      ids.map(async (id) => ExecutionWithSteps.parse(await api('GET', `/api/v1/executions/${id}`))),
    )
    // The pass's events: task.created came before it.
    const events = (await Promise.all(tasks.map((task) => eventsOfTask(task.id))))
      .flat()
      .filter((e) => e.id > idBefore)
    onSquadEvents()
    const times = events.map((e) => at(e.created_at)).sort((a, b) => a - b)
    let peakEventsPerSecond = 0
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= 1000) j++
      peakEventsPerSecond = Math.max(peakEventsPerSecond, i - j + 1)
    }
    const firstQueued = Math.min(...executions.map((e) => at(e.queued_at)))
    const lastFinished = Math.max(...executions.map((e) => at(e.finished_at)))
    return {
      name,
      count,
      wallMs,
      spanMs: lastFinished - firstQueued,
      executions,
      durations: executions.map((e) => at(e.finished_at) - at(e.queued_at)),
      agentMs: executions.map((e) =>
        Number(e.steps.find((s) => s.name === 'agent')?.duration_ms ?? Number.NaN),
      ),
      events,
      peakEventsPerSecond,
      // Ids are one sequence for the whole log: the span covers every event written in the pass.
      idSpan: lastSquadEventId - idBefore,
      requests,
      hwmMb,
      serverCpuS: cpuAfter.own - cpuBefore.own,
      childrenCpuS: cpuAfter.children - cpuBefore.children,
      benchCpuS: (benchCpu.user + benchCpu.system) / 1e6,
      machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
      toStart: executions.map((e) => at(e.started_at) - at(e.queued_at)),
      ...pass,
    }
  }

  // One execution first, not counted: it fills the repository cache, so both passes start warm.
  const warmUp = await createTask()
  const warmUpId = (await startTask(warmUp.id)).id
  await waitFor([warmUpId])
  const warmUpStatus = Execution.parse(await api('GET', `/api/v1/executions/${warmUpId}`)).status
  await sleep(1000)
  idleRssMb = statusKb(pid, 'VmRSS') / 1024

  const passes: { sequential: Pass; concurrent: Pass }[] = []
  for (let run = 0; run < runs; run++) {
    const sequential = await runPass('one at a time', sequentialCount, false)
    const concurrent = await runPass(`${taskCount} at once`, taskCount, true)
    passes.push({ sequential, concurrent })
  }
  clearInterval(sampler)
  sampler = undefined
  const sandboxesLeft = readdirSync(join(work, 'data', 'sandboxes', 'local')).filter(
    (n) => !n.startsWith('.'),
  )

  // ── Report ─────────────────────────────────────────────────────────────────────────────────────
  console.log(
    `Agent Squad: ${taskCount} built-in agent executions at once vs one at a time (fake OpenAI-compatible model)`,
  )
  console.log(
    `  squad serve (pid ${pid}) on ${pgDb ? 'PostgreSQL 127.0.0.1:5432' : 'PGlite'}, local (bubblewrap) sandboxes, ` +
      `SQUAD_MAX_CONCURRENCY=${taskCount}, squad max_concurrency=${taskCount}; node ${process.versions.node}; ` +
      `${cpus().length} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  )
  console.log(
    `  each execution: 4 model turns (read, edit, run, finish) streamed in ~12-character chunks ${chunkDelayMs} ms apart, ` +
      `then commit, push, pull request; ${runs} run(s)`,
  )
  if (unscripted.length > 0)
    console.log(`  ! the fake model could not script: ${unscripted.slice(0, 3).join('; ')}`)
  if (sandboxesLeft.length > 0) console.log(`  ! sandboxes left behind: ${sandboxesLeft.length}`)
  for (const [run, { sequential, concurrent }] of passes.entries()) {
    console.log()
    if (runs > 1) console.log(`run ${run + 1}`)
    for (const pass of [sequential, concurrent]) {
      const statuses = new Map<string, number>()
      for (const e of pass.executions) statuses.set(e.status, (statuses.get(e.status) ?? 0) + 1)
      console.log(
        `  ${pass.name}: ${[...statuses].map(([s, n]) => `${n} ${s}`).join(', ')} of ${pass.count}; ` +
          `pull requests ${pass.executions.filter((e) => e.pull_request_url).length}`,
      )
      for (const e of pass.executions.filter((e) => e.status !== 'succeeded'))
        console.log(`    ${e.id} ${e.status}: ${e.error}`)
    }
    console.log()
    const s = sequential
    const c = concurrent
    const eventRate = (p: Pass) => p.events.length / (p.wallMs / 1000)
    const requestRate = (p: Pass) => p.requests / (p.wallMs / 1000)
    const perMinute = (p: Pass) => p.count / (p.wallMs / 60_000)
    const row = (name: string, seq: number, con: number, fmt: (v: number) => string, note = '') => [
      name,
      fmt(seq),
      fmt(con),
      ratio(con, seq),
      note,
    ]
    const n0 = (v: number) => v.toFixed(0)
    const n1 = (v: number) => v.toFixed(1)
    printTable(
      ['', s.name, c.name, 'at once / one at a time', ''],
      [
        row('wall time: first start → last finished (bench clock)', s.wallMs, c.wallMs, ms),
        row('  first queued_at → last finished_at (server clock)', s.spanMs, c.spanMs, ms),
        row(
          'wall time per task',
          s.wallMs / s.count,
          c.wallMs / c.count,
          ms,
          `throughput ${ratio(perMinute(c), perMinute(s))} (speed-up)`,
        ),
        row('tasks per minute', perMinute(s), perMinute(c), n1),
        row(
          'per execution, queued → finished, p50',
          quantile(s.durations, 0.5),
          quantile(c.durations, 0.5),
          ms,
        ),
        row(
          'per execution, queued → finished, p99',
          quantile(s.durations, 0.99),
          quantile(c.durations, 0.99),
          ms,
        ),
        row('per execution, queued → started, p50', quantile(s.toStart, 0.5), quantile(c.toStart, 0.5), ms),
        row('per execution, agent step, p50', quantile(s.agentMs, 0.5), quantile(c.agentMs, 0.5), ms),
        row('per execution, agent step, p99', quantile(s.agentMs, 0.99), quantile(c.agentMs, 0.99), ms),
        row('events written (replayed task streams)', s.events.length, c.events.length, n0),
        row('  event ids spanned (whole log)', s.idSpan, c.idSpan, n0),
        row('  events per execution', s.events.length / s.count, c.events.length / c.count, n1),
        row('event rate over the wall time (events/s)', eventRate(s), eventRate(c), n1),
        row('event rate, busiest second (events/s)', s.peakEventsPerSecond, c.peakEventsPerSecond, n0),
        row('model requests served', s.requests, c.requests, n0),
        row('model requests per second', requestRate(s), requestRate(c), n1),
        row('server RSS peak, sampled every 100 ms (MB)', s.peakServerMb, c.peakServerMb, n0),
        [
          'server RSS peak vs idle (set up, warm, before the passes)',
          ratio(s.peakServerMb, idleRssMb),
          ratio(c.peakServerMb, idleRssMb),
          '',
          `idle ${idleRssMb.toFixed(0)} MB`,
        ],
        row('server + sandboxes + git: RSS peak, summed (MB)', s.peakTreeMb, c.peakTreeMb, n0),
        row('  processes under the server at the peak', s.peakProcesses, c.peakProcesses, n0),
        row('server CPU, user + system (s)', s.serverCpuS, c.serverCpuS, n1),
        row('  its reaped children: git, bwrap, sandboxed commands (s)', s.childrenCpuS, c.childrenCpuS, n1),
        row('  this bench process: fake model + streams (s)', s.benchCpuS, c.benchCpuS, n1),
        row(
          'CPU busy: these three / (wall × CPUs)',
          (s.serverCpuS + s.childrenCpuS + s.benchCpuS) / ((s.wallMs / 1000) * cpus().length),
          (c.serverCpuS + c.childrenCpuS + c.benchCpuS) / ((c.wallMs / 1000) * cpus().length),
          (v) => `${(v * 100).toFixed(0)}%`,
        ),
        row(
          'machine CPU busy, every process (/proc/stat)',
          s.machineBusy,
          c.machineBusy,
          (v) => `${(v * 100).toFixed(0)}%`,
          'others share this machine',
        ),
        row('server VmHWM since start-up, at the end of the pass (MB)', s.hwmMb, c.hwmMb, n0),
      ],
    )
    console.log()
    const stepMs = (p: Pass, step: string) =>
      p.executions.map((e) => Number(e.steps.find((x) => x.name === step)?.duration_ms ?? Number.NaN))
    printTable(
      ['step duration', `${s.name} p50`, `${c.name} p50`, `${c.name} p99`, 'p50 at once / one at a time'],
      (c.executions[0]?.steps ?? []).map(({ name }) => [
        name,
        ms(quantile(stepMs(s, name), 0.5)),
        ms(quantile(stepMs(c, name), 0.5)),
        ms(quantile(stepMs(c, name), 0.99)),
        ratio(quantile(stepMs(c, name), 0.5), quantile(stepMs(s, name), 0.5)),
      ]),
    )
    console.log()
    const types = new Map<string, [number, number]>()
    for (const [i, pass] of [s, c].entries())
      for (const e of pass.events) {
        const counts = types.get(e.type) ?? [0, 0]
        counts[i] = (counts[i] ?? 0) + 1
        types.set(e.type, counts)
      }
    printTable(
      ['events by type, per execution', s.name, c.name],
      [...types]
        .sort((a, b) => b[1][1] - a[1][1])
        .map(([type, [a, b]]) => [type, (a / s.count).toFixed(1), (b / c.count).toFixed(1)]),
    )
  }
  console.log()
  console.log(
    `server RSS once it answered /health ${bootRssMb.toFixed(0)} MB (VmHWM ${bootHwmMb.toFixed(0)} MB); ` +
      `idle after set-up and one warm-up execution (${warmUpStatus}) ${idleRssMb.toFixed(0)} MB`,
  )
} finally {
  if (sampler) clearInterval(sampler)
  squadStream?.abort()
  await server?.stop()
  await fake.close()
  await pgDb?.drop().catch(() => {})
  await releaseWorkspace(work).catch(() => {})
  await rm(work, { recursive: true, force: true }).catch(() => {})
}
