// SSE fan-out: events committed to the log (appendEvent in a transaction) and received by 1, 100 and
// 1,000 clients of one squad stream, beside a bare node:http SSE server fed by the same NOTIFY.
//
//   node bench/sse-fanout.ts               PGlite in a temporary folder
//   node bench/sse-fanout.ts --postgres    a new database on 127.0.0.1:5432 (SQUAD_BENCH_POSTGRES_URL),
//                                          or on the server of DATABASE_URL when that is set
//   options: --clients 1,100,1000 --events 200 --interval 10 --burst 300 --writers 4 --workers 2
//
// Latency is commit (the writer's transaction resolved) to receipt (a client read the frame), on the
// machine's monotonic clock, for every event and every client, while events are written at a fixed
// pace (--events, one per --interval ms). Events/s is a burst of --burst events from --writers
// concurrent writers, until every client holds the last one. The clients live in --workers child
// processes. Benchmarks print, they never assert. Targets: p50 within 2x of the floor at 100 clients,
// p99 under 200 ms at 1,000 clients.

import { type ChildProcess, execFileSync, fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Squad } from '@agent-squad/contract'
import { sql } from 'drizzle-orm'
import pino from 'pino'
import { loadConfig } from '../packages/server/src/config.ts'
import type { Database } from '../packages/server/src/db/database.ts'
import { openPglite } from '../packages/server/src/db/pglite.ts'
import { events } from '../packages/server/src/db/schema.ts'
import { appendEvent } from '../packages/server/src/events/append-event.ts'
import { startServer } from '../packages/server/src/server.ts'
import { parseArgs, printTable } from './lib/args.ts'
import { nowMs } from './lib/clock.ts'
import { startFloorSseServer } from './lib/floor-sse-server.ts'
import type { LoadReply, LoadRequest } from './lib/sse-load-client.ts'

const args = parseArgs()
const onPostgres = args.has('postgres') || Boolean(process.env.DATABASE_URL)
const clientCounts = args
  .string('clients', '1,100,1000')
  .split(',')
  .map((n) => Number(n.trim()))
const pacedEvents = args.number('events', 200)
const intervalMs = args.number('interval', 10)
const burstEvents = args.number('burst', 300)
const writerCount = args.number('writers', 4)
const workerCount = args.number('workers', 2)
const WAIT_MS = 60_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)))
const quantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN

function fdLimit(): number | null {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim()) || null
  } catch {
    return null
  }
}
const maxClients = Math.max(...clientCounts)
const limit = fdLimit()
if (limit !== null && limit < maxClients + 200)
  console.warn(
    `! ulimit -n is ${limit}: ${maxClients} clients need about ${maxClients + 200} file descriptors in the` +
      ` server process. Raise it (ulimit -n ${Math.max(4096, 2 * maxClients)}) if connections fail.`,
  )

// --- database and servers ---------------------------------------------------------------------------

const dataDir = mkdtempSync(join(tmpdir(), 'squad-bench-sse-'))
let dropPostgres: (() => Promise<void>) | null = null
let database: Database
if (onPostgres) {
  if (process.env.DATABASE_URL) process.env.SQUAD_BENCH_POSTGRES_URL ??= process.env.DATABASE_URL
  const { createBenchDatabase } = await import('./lib/postgres.ts')
  const { openPostgres } = await import('../packages/server/src/db/postgres.ts')
  const created = await createBenchDatabase()
  dropPostgres = created.drop
  database = await openPostgres(created.url)
} else {
  database = await openPglite(join(dataDir, 'pglite'))
}

const config = loadConfig({
  env: {},
  cwd: dataDir,
  overrides: {
    PORT: '0',
    HOST: '127.0.0.1',
    SQUAD_AUTH: 'none',
    SQUAD_DATA_DIR: join(dataDir, 'data'),
    SQUAD_LOG_LEVEL: 'silent',
  },
})
const server = await startServer(config, { database, logger: pino({ level: 'silent' }) })
const floor = await startFloorSseServer(database)
const created = await fetch(`${server.url}/api/v1/squads`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'sse fan-out bench', description: 'one squad, many watchers' }),
})
const squad = (await created.json()) as Squad
const db = database.db

async function append(name: string): Promise<{ id: number; committedAt: number }> {
  const [id] = await db.transaction((tx) =>
    appendEvent(tx, { type: 'squad.updated', squadId: squad.id, payload: { ...squad, name } }),
  )
  return { id: id as number, committedAt: nowMs() }
}

async function maxEventId(): Promise<number> {
  const [row] = await db.select({ max: sql<string | null>`max(${events.id})` }).from(events)
  return Number(row?.max ?? 0)
}

// --- load-client processes ------------------------------------------------------------------------

const workerPath = fileURLToPath(new URL('./lib/sse-load-client.ts', import.meta.url))
const workers: ChildProcess[] = Array.from({ length: workerCount }, () =>
  fork(workerPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
)
const rpc = (worker: ChildProcess, message: LoadRequest) =>
  new Promise<LoadReply>((resolve) => {
    worker.once('message', (reply: LoadReply) => resolve(reply))
    worker.send(message)
  })
const onAll = (message: (share: number) => LoadRequest | null, total: number) =>
  Promise.all(
    workers.map((w, i) => {
      const share = Math.floor(total / workers.length) + (i < total % workers.length ? 1 : 0)
      const m = message(share)
      return share > 0 && m ? rpc(w, m) : null
    }),
  )

// --- one measurement --------------------------------------------------------------------------------

type Target = {
  name: string
  url: string
  headers: (lastId: number) => Record<string, string>
  clients: () => number
}
type Result = { p50: number; p99: number; max: number; eventsPerSec: number; delivered: string }

async function waitUntil(check: () => boolean, what: string) {
  const deadline = Date.now() + WAIT_MS
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

async function expectEverywhere(id: number, clients: number): Promise<number> {
  const replies = await onAll(() => ({ type: 'expect', id, timeoutMs: WAIT_MS }), clients)
  let lastAt = 0
  for (const r of replies) {
    if (r?.type !== 'expected') continue
    if (!r.allReached) throw new Error(`${r.behind} clients never received event ${id}`)
    lastAt = Math.max(lastAt, r.lastAt)
  }
  return lastAt
}

async function collect(clients: number) {
  const receipts = new Map<number, number[]>()
  for (const r of await onAll(() => ({ type: 'collect' }), clients))
    if (r?.type === 'collected')
      for (const [id, times] of r.receipts) receipts.set(id, [...(receipts.get(id) ?? []), ...times])
  return receipts
}

async function run(target: Target, clients: number, paced: number, burst: number): Promise<Result> {
  const before = target.clients()
  const lastId = await maxEventId()
  const connected = await onAll(
    (share) => ({ type: 'connect', url: target.url, count: share, headers: target.headers(lastId) }),
    clients,
  )
  const failed = connected.reduce((n, r) => n + (r?.type === 'connected' ? r.failed : 0), 0)
  if (failed > 0) {
    const error = connected.find((r) => r?.type === 'connected' && r.error)
    throw new Error(
      `${failed} of ${clients} SSE connections to ${target.name} failed (${error?.type === 'connected' ? error.error : '?'}).` +
        ` Each needs a file descriptor: raise the limit (ulimit -n ${Math.max(4096, 2 * clients)}) and run again.`,
    )
  }
  await waitUntil(() => target.clients() === before + clients, `${clients} ${target.name} subscribers`)

  // Paced: one event every intervalMs on a fixed schedule (a late commit shortens the next wait).
  const commits = new Map<number, number>()
  let next = nowMs()
  let last = 0
  for (let i = 0; i < paced; i++) {
    const { id, committedAt } = await append(`paced ${i}`)
    commits.set(id, committedAt)
    last = id
    next += intervalMs
    await sleep(next - nowMs())
  }
  await expectEverywhere(last, clients)
  const latencies: number[] = []
  for (const [id, times] of await collect(clients)) {
    const committedAt = commits.get(id)
    if (committedAt !== undefined) for (const t of times) latencies.push(t - committedAt)
  }
  latencies.sort((a, b) => a - b)

  // Burst: as fast as the writers can commit.
  const started = nowMs()
  const lastIds = await Promise.all(
    Array.from({ length: writerCount }, async (_, w) => {
      let mine = 0
      for (let i = w; i < burst; i += writerCount) mine = (await append(`burst ${i}`)).id
      return mine
    }),
  )
  const finishedAt = await expectEverywhere(Math.max(...lastIds), clients)
  await collect(clients)

  await onAll(() => ({ type: 'close' }), clients)
  await waitUntil(() => target.clients() === before, `${target.name} to drop its clients`)
  return {
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
    eventsPerSec: burst / ((finishedAt - started) / 1000),
    delivered: `${latencies.length}/${paced * clients}`,
  }
}

const targets: Target[] = [
  {
    name: 'floor',
    url: floor.url,
    headers: () => ({}),
    clients: floor.clientCount,
  },
  {
    name: 'ours',
    url: `${server.url}/api/v1/sse/squads/${squad.id}`,
    // Resume from the current end of the log: the bench measures live fan-out, not replay.
    headers: (lastId) => ({ 'last-event-id': String(lastId) }),
    clients: () => server.deps.hub.subscriberCount(),
  },
]

// --- run --------------------------------------------------------------------------------------------

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-')
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}x` : '-')
const rows: Array<Array<string | number>> = []
const summary: Record<string, { floor: Result; ours: Result }> = {}
let exitCode = 0
try {
  console.log(
    `SSE fan-out on ${onPostgres ? 'PostgreSQL' : 'PGlite'}: ${pacedEvents} events paced every ${intervalMs} ms, ` +
      `burst of ${burstEvents} from ${writerCount} writers, clients in ${workerCount} processes`,
  )
  for (const target of targets) await run(target, 10, 50, 50) // warm-up, not reported
  for (const clients of clientCounts) {
    const floorResult = await run(targets[0] as Target, clients, pacedEvents, burstEvents)
    const oursResult = await run(targets[1] as Target, clients, pacedEvents, burstEvents)
    summary[clients] = { floor: floorResult, ours: oursResult }
    for (const [name, r] of [
      ['floor: node:http + NOTIFY', floorResult],
      ['ours: /api/v1/sse/squads/:id', oursResult],
    ] as const)
      rows.push([clients, name, ms(r.p50), ms(r.p99), ms(r.max), Math.round(r.eventsPerSec), r.delivered])
    rows.push([
      clients,
      'ratio ours / floor',
      ratio(oursResult.p50, floorResult.p50),
      ratio(oursResult.p99, floorResult.p99),
      ratio(oursResult.max, floorResult.max),
      ratio(oursResult.eventsPerSec, floorResult.eventsPerSec),
      '',
    ])
    console.log(`  ${clients} clients done`)
  }
  console.log()
  printTable(['clients', 'server', 'p50 ms', 'p99 ms', 'max ms', 'events/s', 'delivered'], rows)
  console.log()
  const at100 = summary[100]
  const at1000 = summary[1000]
  if (at100)
    console.log(
      `target p50 within 2x of the floor at 100 clients: ${ratio(at100.ours.p50, at100.floor.p50)}` +
        ` (${at100.ours.p50 <= 2 * at100.floor.p50 ? 'met' : 'MISSED'})`,
    )
  if (at1000)
    console.log(
      `target p99 under 200 ms at 1,000 clients: ${ms(at1000.ours.p99)} ms` +
        ` (${at1000.ours.p99 < 200 ? 'met' : 'MISSED'})`,
    )
} catch (error) {
  console.error(`✗ ${(error as Error).message}`)
  exitCode = 1
} finally {
  for (const w of workers) w.disconnect()
  await floor.close()
  await server.close()
  await database.close()
  await dropPostgres?.()
  rmSync(dataDir, { recursive: true, force: true })
}
process.exitCode = exitCode
