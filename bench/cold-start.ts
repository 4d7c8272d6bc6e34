// Cold start of `squad serve`: from spawn to the first answer of GET /api/v1/health, beside the
// time to spawn `node -e 0` (the floor no server can beat).
//
//   node bench/cold-start.ts               PGlite: a new data folder each run, then one existing folder
//   node bench/cold-start.ts --postgres    also a new and an existing database on 127.0.0.1:5432
//   options: --runs 5
//
// It also times PGlite's own open in a child process (new folder, existing folder, new folder from
// a template tarball) to show where the embedded database's start-up time goes. Benchmarks print,
// they never assert.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { median, parseArgs, printTable } from './lib/args.ts'
import { createBenchDatabase } from './lib/postgres.ts'

const args = parseArgs()
const runs = args.number('runs', 5)
const bin = fileURLToPath(new URL('../packages/server/bin/squad.js', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'squad-bench-cold-'))
const cleanEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' }
const RUN_TIMEOUT_MS = 90_000

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode)
    else child.once('exit', (code) => resolve(code))
  })

async function spawnFloor(): Promise<number> {
  const start = performance.now()
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
  await exitOf(child)
  return performance.now() - start
}

type ServeRun = { ms: number; stages: Map<string, number> }

/** Spawns `squad serve`, polls /api/v1/health until it answers 200, then stops the server. */
async function serveOnce(extraArgs: string[]): Promise<ServeRun> {
  const port = await freePort()
  const start = performance.now()
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), ...extraArgs], {
    cwd: work,
    env: cleanEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let output = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = exitOf(child)
  try {
    let ms = 0
    for (;;) {
      if (child.exitCode !== null) throw new Error(`squad serve exited early:\n${output}`)
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`)
        await res.arrayBuffer()
        if (res.ok) {
          ms = performance.now() - start
          break
        }
      } catch {}
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (performance.now() - start > RUN_TIMEOUT_MS)
        throw new Error(`no health answer after ${RUN_TIMEOUT_MS / 1000} s:\n${output}`)
    }
    child.kill('SIGTERM')
    await exited
    const stages = new Map<string, number>()
    for (const m of output.matchAll(/✓ (.+?) +(\d+) ms/g)) stages.set((m[1] ?? '').trim(), Number(m[2]))
    return { ms, stages }
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  }
}

/** Runs one scenario `runs` times; a run that fails is reported and left out of the figures. */
async function repeat(name: string, once: (i: number) => Promise<ServeRun>): Promise<Scenario> {
  const results: ServeRun[] = []
  let failures = 0
  for (let i = 0; i < runs; i++) {
    try {
      results.push(await once(i))
    } catch (error) {
      failures++
      console.log(
        `! ${name}, run ${i + 1}: ${(error as Error).message.split('\n').slice(0, 6).join('\n    ')}`,
      )
    }
  }
  return { name: failures ? `${name} (${failures} failed)` : name, results }
}

type Scenario = { name: string; results: ServeRun[] }

function summarize(scenarios: Scenario[], floor: number) {
  const stageNames = [...new Set(scenarios.flatMap((s) => s.results.flatMap((r) => [...r.stages.keys()])))]
  printTable(
    ['scenario', 'p50 ms', 'min ms', 'max ms', 'vs floor', ...stageNames.map((s) => `${s} p50`)],
    scenarios.map((s) => {
      const times = s.results.map((r) => r.ms)
      if (times.length === 0) return [s.name, '-', '-', '-', '-', ...stageNames.map(() => '-')]
      const p50 = median(times)
      return [
        s.name,
        p50.toFixed(0),
        Math.min(...times).toFixed(0),
        Math.max(...times).toFixed(0),
        `${(p50 / floor).toFixed(1)}x`,
        ...stageNames.map((stage) => {
          const values = s.results.map((r) => r.stages.get(stage)).filter((v): v is number => v !== undefined)
          return values.length ? median(values).toFixed(0) : '-'
        }),
      ]
    }),
  )
}

/** Times PGlite.create() on its own, in a fresh process each time (nothing cached in memory). */
async function pgliteOpen(mode: 'new' | 'existing' | 'template', dir: string, template: string) {
  const script = `
    const t0 = performance.now()
    const { PGlite } = await import('@electric-sql/pglite')
    const { readFileSync } = await import('node:fs')
    const t1 = performance.now()
    const opts = { dataDir: ${JSON.stringify(dir)} }
    if (${JSON.stringify(mode)} === 'template') opts.loadDataDir = new Blob([readFileSync(${JSON.stringify(template)})])
    const db = await PGlite.create(opts)
    await db.query('select 1')
    const t2 = performance.now()
    await db.close()
    console.log(JSON.stringify({ importMs: t1 - t0, openMs: t2 - t1 }))`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../packages/server/', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString()
  })
  await exitOf(child)
  return JSON.parse(out) as { importMs: number; openMs: number }
}

async function makeTemplate(file: string) {
  const script = `
    const { PGlite } = await import('@electric-sql/pglite')
    const { writeFileSync } = await import('node:fs')
    const db = await PGlite.create()
    const tar = await db.dumpDataDir('none')
    writeFileSync(${JSON.stringify(file)}, Buffer.from(await tar.arrayBuffer()))
    await db.close()`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../packages/server/', import.meta.url)),
    stdio: 'inherit',
  })
  await exitOf(child)
}

try {
  console.log(`squad serve cold start — ${runs} runs each, node ${process.versions.node}\n`)
  const floorTimes: number[] = []
  for (let i = 0; i < runs; i++) floorTimes.push(await spawnFloor())
  const floor = median(floorTimes)
  console.log(`floor: spawn of \`node -e 0\` p50 ${floor.toFixed(0)} ms\n`)

  const scenarios: Scenario[] = []
  scenarios.push(
    await repeat('PGlite, new data folder', (i) => serveOnce(['--data-dir', join(work, `new-${i}`)])),
  )
  const existingDir = join(work, 'existing')
  await serveOnce(['--data-dir', existingDir])
  scenarios.push(await repeat('PGlite, existing data folder', () => serveOnce(['--data-dir', existingDir])))

  if (args.has('postgres')) {
    scenarios.push(
      await repeat('PostgreSQL, new database', async () => {
        const db = await createBenchDatabase()
        try {
          return await serveOnce(['--database-url', db.url])
        } finally {
          await db.drop()
        }
      }),
    )
    const db = await createBenchDatabase()
    try {
      await serveOnce(['--database-url', db.url])
      scenarios.push(
        await repeat('PostgreSQL, existing database', () => serveOnce(['--database-url', db.url])),
      )
    } finally {
      await db.drop()
    }
  }
  summarize(scenarios, floor)

  console.log('\nwhere PGlite open time goes (PGlite.create + select 1, fresh process each, p50):')
  const template = join(work, 'template.tar')
  await makeTemplate(template)
  const detail: Array<[string, number[], number[]]> = []
  for (const mode of ['new', 'existing', 'template'] as const) {
    const imports: number[] = []
    const opens: number[] = []
    const existingPg = join(work, 'pg-existing')
    if (mode === 'existing') await pgliteOpen('new', existingPg, template)
    for (let i = 0; i < runs; i++) {
      const dir = mode === 'existing' ? existingPg : join(work, `pg-${mode}-${i}`)
      const r = await pgliteOpen(mode, dir, template)
      imports.push(r.importMs)
      opens.push(r.openMs)
    }
    const label = {
      new: 'new folder (runs initdb)',
      existing: 'existing folder',
      template: 'new folder from a template tarball (loadDataDir, no initdb)',
    }[mode]
    detail.push([label, imports, opens])
  }
  printTable(
    ['PGlite.create()', 'import ms', 'open ms'],
    detail.map(([label, imports, opens]) => [label, median(imports).toFixed(0), median(opens).toFixed(0)]),
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}
