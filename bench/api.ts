// Requests per second of the board read beside a bare Hono hello-world, in the same process and run.
//
//   node bench/api.ts                 PGlite in a temporary folder
//   node bench/api.ts --postgres      a new database on 127.0.0.1:5432 (SQUAD_BENCH_POSTGRES_URL)
//   options: --tasks 200 --connections 10 --duration 10 --warmup 2
//
// The board route is GET /api/v1/squads/:id/board; where it does not exist yet the bench reads
// GET /api/v1/squads/:id/tasks?limit=200 instead. autocannon runs in a child process. Benchmarks
// print, they never assert: the target is a ratio of at least 0.5x the hello-world rate.

import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import pino from 'pino'
import { loadConfig } from '../packages/server/src/config.ts'
import { startServer } from '../packages/server/src/server.ts'
import { parseArgs, printTable } from './lib/args.ts'
import { type LoadResult, loadTest } from './lib/autocannon.ts'
import { createBenchDatabase } from './lib/postgres.ts'

const args = parseArgs()
const onPostgres = args.has('postgres')
const taskCount = args.number('tasks', 200)
const load = {
  connections: args.number('connections', 10),
  durationS: args.number('duration', 10),
  warmupS: args.number('warmup', 2),
}

const dataDir = mkdtempSync(join(tmpdir(), 'squad-bench-api-'))
const pgDb = onPostgres ? await createBenchDatabase() : null
const config = loadConfig({
  env: {},
  cwd: dataDir,
  overrides: {
    PORT: '0',
    HOST: '127.0.0.1',
    SQUAD_AUTH: 'none',
    SQUAD_DATA_DIR: join(dataDir, 'data'),
    SQUAD_LOG_LEVEL: 'silent',
    ...(pgDb ? { DATABASE_URL: pgDb.url } : {}),
  },
})
const server = await startServer(config, { logger: pino({ level: 'silent' }) })

const hello = new Hono()
hello.get('/', (c) => c.text('Hello Hono!'))
const helloServer = serve({ fetch: hello.fetch, port: 0, hostname: '127.0.0.1' })
await new Promise<void>((resolve) => helloServer.once('listening', () => resolve()))
const helloUrl = `http://127.0.0.1:${(helloServer.address() as AddressInfo).port}/`

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`)
  return text ? (JSON.parse(text) as Record<string, unknown>) : {}
}

try {
  const squad = await api('POST', '/api/v1/squads', { name: 'bench' })
  const squadId = String(squad.id)
  const statuses = ['backlog', 'todo', 'in_progress', 'in_review', 'done']
  const seedStart = performance.now()
  for (let i = 0; i < taskCount; i++)
    await api('POST', `/api/v1/squads/${squadId}/tasks`, {
      title: `Task ${i + 1}: make the thing ${i % 7 === 0 ? 'much ' : ''}better`,
      description: 'A description of a realistic length. '.repeat(4),
      status: statuses[i % statuses.length],
      labels: i % 3 === 0 ? ['backend', 'bug'] : ['frontend'],
    })
  const seedMs = performance.now() - seedStart

  const boardPath = `/api/v1/squads/${squadId}/board`
  const boardProbe = await fetch(`${server.url}${boardPath}`)
  await boardProbe.arrayBuffer()
  const path = boardProbe.ok ? boardPath : `/api/v1/squads/${squadId}/tasks?limit=${taskCount}`
  const probe = await fetch(`${server.url}${path}`)
  const bytes = (await probe.arrayBuffer()).byteLength

  console.log(`Agent Squad API bench — ${onPostgres ? 'PostgreSQL 127.0.0.1:5432' : 'PGlite (temp folder)'}`)
  console.log(
    `  node ${process.versions.node}, ${load.connections} connections, ${load.durationS} s per target (+${load.warmupS} s warm-up)`,
  )
  console.log(
    `  seeded 1 squad with ${taskCount} tasks in ${(seedMs / 1000).toFixed(1)} s (${(seedMs / taskCount).toFixed(1)} ms per POST)`,
  )
  console.log(
    `  route: GET ${path.replace(squadId, ':id')}${boardProbe.ok ? '' : ' (board route not found, fell back)'} — ${(bytes / 1024).toFixed(1)} KiB per response\n`,
  )

  const baseline = await loadTest(helloUrl, load)
  // A one-row read through the same stack separates per-request cost from the board's payload size.
  const single = await loadTest(`${server.url}/api/v1/squads/${squadId}`, load)
  const board = await loadTest(`${server.url}${path}`, load)
  const row = (name: string, r: LoadResult) => [
    name,
    r.requestsPerSec.toFixed(0),
    r.p50Ms.toFixed(1),
    r.p99Ms.toFixed(1),
    String(r.non2xx + r.errors),
  ]
  printTable(
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx+errors'],
    [
      row('hono hello-world (baseline)', baseline),
      row('GET squad (1 row, reference)', single),
      row(`GET ${boardProbe.ok ? 'board' : 'tasks'} (${taskCount} tasks)`, board),
    ],
  )
  const ratio = board.requestsPerSec / baseline.requestsPerSec
  console.log(
    `\nratio: ${ratio.toFixed(3)}x the hello-world rate (target ≥ 0.5x) — ${ratio >= 0.5 ? 'met' : 'NOT met'}`,
  )
  console.log(
    `       (one-row read: ${(single.requestsPerSec / baseline.requestsPerSec).toFixed(3)}x; the board sends ${(bytes / 11).toFixed(0)}x the bytes of "Hello Hono!")`,
  )
} finally {
  helloServer.close()
  await server.close()
  await pgDb?.drop()
  rmSync(dataDir, { recursive: true, force: true })
}
