// From "start" to "sandbox ready, repository at the base commit, branch task-n created", for a
// generated repository (5,000 files, ~50 MB, 200 commits), cold (empty repository cache) and warm
// (cache present), beside what other tools do, all in this run against this server's local forge:
//   - plain `git clone` over smart HTTP + `git switch -c` (OpenHands, Open SWE): the baseline;
//   - `git worktree add -b` from an existing local clone (Vibe Kanban);
//   - `cp -a` of a checkout (a floor: no git, no sandbox).
// Our path runs the real pipeline steps provision, clone and branch (packages/server/src/executions/
// pipeline/steps) on a context whose store and log are no-ops: the step's database writes (an
// execution row update and a sandbox row) are left out here and measured by bench/pipeline.ts.
// Its sandbox is the server's own provider (local: bubblewrap + overlay when root).
//
//   node bench/workspace.ts               5,000 files, ~50 MB, 200 commits, 10 runs each
//   options: --files 5000 --mb 50 --commits 200 --runs 10 --keep-repo DIR (reuse a generated repo)
//
// Runs are interleaved (one of each method per round), so load from elsewhere on the machine hits
// all methods alike; the page cache is warm for every method. Benchmarks print, they never assert.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Repository, Squad } from '@agent-squad/contract'
import pino from 'pino'
import { loadConfig } from '../packages/server/src/config.ts'
import type {
  ExecutionContext,
  Step,
  StepResult,
} from '../packages/server/src/executions/pipeline/execution-context.ts'
import type { PipelineDeps } from '../packages/server/src/executions/pipeline/pipeline-deps.ts'
import { branch } from '../packages/server/src/executions/pipeline/steps/branch.ts'
import { clone } from '../packages/server/src/executions/pipeline/steps/clone.ts'
import { provision } from '../packages/server/src/executions/pipeline/steps/provision.ts'
import type { RepoRef } from '../packages/server/src/forge/forge.ts'
import { prepareWorkspaceSource } from '../packages/server/src/git/workspace-cache.ts'
import { releaseWorkspace } from '../packages/server/src/sandbox/folder/workspace.ts'
import { NETWORK_OFF } from '../packages/server/src/sandbox/network-policy.ts'
import type { Sandbox } from '../packages/server/src/sandbox/sandbox-provider.ts'
import { serverRedactor } from '../packages/server/src/secrets/server-redactor.ts'
import { startServer } from '../packages/server/src/server.ts'
import { median, parseArgs, printTable } from './lib/args.ts'
import { generateRepo, git } from './lib/generate-repo.ts'

const args = parseArgs()
const runs = args.number('runs', 10)
const files = args.number('files', 5000)
const megabytes = args.number('mb', 50)
const commits = args.number('commits', 200)
const keptRepo = args.string('keep-repo', '')

const work = await mkdtemp(join(tmpdir(), 'squad-bench-workspace-'))
const dataDir = join(work, 'data')
const config = loadConfig({
  env: {},
  cwd: work,
  overrides: {
    PORT: '0',
    HOST: '127.0.0.1',
    SQUAD_AUTH: 'none',
    SQUAD_DATA_DIR: dataDir,
    SQUAD_LOG_LEVEL: 'silent',
    SQUAD_WORKER: 'false',
  },
})
const logger = pino({ level: 'silent' })
const server = await startServer(config, { logger })
const elapsed = async (fn: () => Promise<unknown>) => {
  const start = performance.now()
  await fn()
  return performance.now() - start
}
const p = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`)
  return text ? (JSON.parse(text) as unknown) : {}
}

/** The pipeline's dependencies as start-engine builds them, with the cache root chosen per run. */
const depsFor = (cacheRoot: string): PipelineDeps => ({
  db: server.deps.database.db,
  logger,
  sandboxes: server.sandboxes,
  forgeFor: () => server.deps.localForge,
  agentFor: () => {
    throw new Error('no agent in this bench')
  },
  redactor: serverRedactor(config),
  cacheRoot,
  patchesDir: join(dataDir, 'patches'),
  limits: {
    agentTimeoutMs: 60_000,
    gitTimeoutMs: 10 * 60_000,
    sandboxTimeoutMs: 10 * 60_000,
    keepFailedSandboxMs: 0,
    gitAttempts: 4,
    gitBaseDelayMs: 500,
  },
  defaults: { network: 'off', reviewers: [] },
})

let taskNumber = 0
/**
 * provision → clone → branch through the real steps; the store and log write nothing (updateExecution
 * hands back the execution as it is, as the real store hands back the updated row).
 */
async function ourPath(cacheRoot: string, timings?: Record<string, number[]>): Promise<Sandbox> {
  const n = ++taskNumber
  const noop = async () => ({}) as never
  const ctx = {
    deps: depsFor(cacheRoot),
    execution: { id: randomUUID(), gitBranch: `task-${n}` },
    task: { id: randomUUID(), squadId: repo.squadId, number: n },
    repo,
    forge: server.deps.localForge,
    agent: null,
    squadConfig: {},
    store: {
      scope: {},
      gitProgress: noop,
      updateStep: noop,
      updateExecution: async () => ctx.execution,
    },
    log: { write: () => {}, setStep: () => {} },
    redactor: serverRedactor(config).child(),
    signal: new AbortController().signal,
    results: {} as Record<string, StepResult>,
    sandbox: null,
    network: false,
  } as unknown as ExecutionContext
  const steps: [string, Step][] = [
    ['provision', provision],
    ['clone', clone],
    ['branch', branch],
  ]
  try {
    for (const [name, step] of steps) {
      const start = performance.now()
      ctx.results[name as 'provision'] = (await step(ctx)).result
      timings?.[name]?.push(performance.now() - start)
    }
  } catch (error) {
    await ctx.sandbox?.kill().catch(() => {})
    throw error
  }
  return ctx.sandbox as Sandbox
}

let repo: RepoRef
try {
  // The repository: generated once (deterministic), pushed to the local forge.
  const source = keptRepo || join(work, 'generated')
  let generated: { head: string; bytes: number } | undefined
  const genMs = await elapsed(async () => {
    if (keptRepo && existsSync(join(keptRepo, '.git')))
      generated = {
        head: (await git(keptRepo, ['rev-parse', 'HEAD'])).trim(),
        bytes: 0,
      }
    else generated = await generateRepo({ dir: source, files, bytes: megabytes * 1024 * 1024, commits })
  })
  const squad = Squad.parse(await api('POST', '/api/v1/squads', { name: 'bench' }))
  const created = Repository.parse(
    await api('POST', `/api/v1/squads/${squad.id}/repositories`, { name: 'big' }),
  )
  const cloneUrl = created.clone_url ?? ''
  repo = {
    id: created.id,
    squadId: created.squad_id,
    name: created.name,
    kind: created.kind,
    url: created.url,
    defaultBranch: created.default_branch,
  } as RepoRef
  // A push needs a token even with auth off: the squad's own forge token (its owner, the local user).
  const pushAuth = (await server.deps.localForge.credentials(repo, {}))?.httpHeader ?? ''
  const pushMs = await elapsed(() =>
    git(source, ['-c', `http.extraHeader=${pushAuth}`, 'push', '-q', cloneUrl, 'main']),
  )
  const packMb =
    Number(
      (await git(server.deps.localForge.repoPath(repo), ['count-objects', '-v']))
        .split('\n')
        .find((l) => l.startsWith('size-pack'))
        ?.split(' ')[1] ?? 0,
    ) / 1024
  console.log('Agent Squad workspace bench: start → sandbox ready, repo at base, branch task-n created')
  console.log(
    `  repository: ${files} files, ${generated?.bytes ? `${(generated.bytes / 1024 / 1024).toFixed(1)} MB` : 'reused'}, ` +
      `${commits} commits, pack ${packMb.toFixed(1)} MB, head ${generated?.head.slice(0, 12)} ` +
      `(generated in ${(genMs / 1000).toFixed(1)} s, pushed in ${(pushMs / 1000).toFixed(1)} s)`,
  )
  console.log(
    `  node ${process.versions.node}, sandbox provider ${server.sandboxes.name}${process.getuid?.() === 0 ? ' (root: overlay)' : ''}, ` +
      `${runs} runs per method, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  )
  console.log()

  // A local clone for the worktree and cp baselines (Vibe Kanban works in the user's own clone).
  const localClone = join(work, 'local-clone')
  await git(work, ['clone', '-q', cloneUrl, localClone])
  const warmCache = join(work, 'cache-warm')
  // The first task on the repository makes the warm cache (it is the cold case, run once more below).
  await (await ourPath(warmCache)).kill()

  const times: Record<string, number[]> = { clone: [], worktree: [], cp: [], cold: [], warm: [] }
  const coldSteps: Record<string, number[]> = { provision: [], clone: [], branch: [] }
  const warmSteps: Record<string, number[]> = { provision: [], clone: [], branch: [] }
  for (let i = 0; i < runs; i++) {
    const dir = join(work, `run-${i}`)
    await mkdir(dir)
    const n = 1000 + i
    times.clone?.push(
      await elapsed(async () => {
        await git(dir, ['clone', '-q', cloneUrl, 'plain'])
        await git(join(dir, 'plain'), ['switch', '-q', '-c', `task-${n}`])
      }),
    )
    times.worktree?.push(
      await elapsed(() =>
        git(localClone, ['worktree', 'add', '-q', '-b', `task-${n}`, join(dir, 'wt'), 'main']),
      ),
    )
    times.cp?.push(await elapsed(() => cpA(localClone, join(dir, 'cp'))))
    const coldCache = join(dir, 'cache')
    let sandbox: Sandbox | undefined
    times.cold?.push(
      await elapsed(async () => {
        sandbox = await ourPath(coldCache, coldSteps)
      }),
    )
    await sandbox?.kill()
    times.warm?.push(
      await elapsed(async () => {
        sandbox = await ourPath(warmCache, warmSteps)
      }),
    )
    await sandbox?.kill()
    await git(localClone, ['worktree', 'remove', '--force', join(dir, 'wt')])
    await git(localClone, ['branch', '-D', `task-${n}`])
    await rm(dir, { recursive: true, force: true })
  }

  const base = median(times.clone ?? [])
  const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`)
  const cell = (key: string) => {
    const values = times[key] ?? []
    return [fmt(median(values)), fmt(p(values, 0.9)), `${(median(values) / base).toFixed(3)}x`]
  }
  printTable(
    ['method', 'p50', 'p90', 'vs plain clone'],
    [
      ['plain git clone over smart HTTP + switch -c (baseline)', ...cell('clone')],
      ['git worktree add -b (local clone exists)', ...cell('worktree')],
      ['cp -a of a checkout (floor)', ...cell('cp')],
      ['ours, cold: empty cache (mirror + checkout + sandbox)', ...cell('cold')],
      ['ours, warm: cache present (fetch + overlay + sandbox)', ...cell('warm')],
    ],
  )
  const warm = median(times.warm ?? [])
  const cold = median(times.cold ?? [])
  console.log()
  console.log(
    `warm: ${(base / warm).toFixed(1)}x faster than the plain clone (target ≥ 10x), ${fmt(warm)} (target < 300 ms)` +
      ` — ${base / warm >= 10 && warm < 300 ? 'met' : 'NOT met'}`,
  )
  console.log(
    `cold: ${(cold / base).toFixed(3)}x the plain clone (target ≤ 1.2x) — ${cold / base <= 1.2 ? 'met' : 'NOT met'}`,
  )
  console.log(`      (the original plan asked for under 5 s: ${fmt(cold)})`)
  console.log()
  printTable(
    ['step p50', 'cold', 'warm'],
    Object.keys(warmSteps).map((name) => [
      name,
      fmt(median(coldSteps[name] ?? [])),
      fmt(median(warmSteps[name] ?? [])),
    ]),
  )

  if (args.has('profile')) await profile(warmCache, cloneUrl)
} finally {
  await server.sandboxes.cleanupOrphans([]).catch(() => {})
  await server.close()
  await releaseWorkspace(work).catch(() => {})
  await rm(work, { recursive: true, force: true })
}

function cpA(from: string, to: string) {
  return new Promise<void>((resolve, reject) =>
    execFile('cp', ['-a', '--', from, to], (error) => (error ? reject(error) : resolve())),
  )
}

/** Where a warm start's milliseconds go: the same calls as provision, clone and branch, one by one. */
async function profile(cacheRoot: string, cloneUrl: string) {
  const phases: Record<string, number[]> = {}
  const add = (name: string, ms: number) => {
    phases[name] ??= []
    phases[name].push(ms)
  }
  const mirror = join(cacheRoot, repo.id, 'mirror.git')
  for (let i = 0; i < runs; i++) {
    add(
      'host: git fetch --prune origin (mirror)',
      await elapsed(() => git(mirror, ['fetch', '-q', '--prune', 'origin'])),
    )
    add(
      'host: git fetch, no auto-maintenance, no FETCH_HEAD',
      await elapsed(() =>
        git(mirror, ['fetch', '-q', '--prune', '--no-auto-maintenance', '--no-write-fetch-head', 'origin']),
      ),
    )
    add(
      'host: git ls-remote origin main',
      await elapsed(() => git(mirror, ['ls-remote', cloneUrl, 'refs/heads/main'])),
    )
    add(
      'host: git rev-parse main',
      await elapsed(() => git(mirror, ['rev-parse', 'refs/heads/main^{commit}'])),
    )
    let templateDir = ''
    add(
      'prepareWorkspaceSource (warm)',
      await elapsed(async () => {
        templateDir = (
          await prepareWorkspaceSource({
            cacheRoot,
            repoId: repo.id,
            cloneUrl,
            baseBranch: repo.defaultBranch,
            credentials: null,
          })
        ).templateDir
      }),
    )
    let sandbox: Sandbox | undefined
    add(
      'sandboxes.create (overlay)',
      await elapsed(async () => {
        const seeding = server.sandboxes.capabilities.seedFromHostFolder
        if (!seeding) throw new Error(`${server.sandboxes.name} cannot start from a host folder`)
        sandbox = await seeding.create({
          workspaceTemplate: templateDir,
          extraReadOnlyBinds: [mirror],
          network: NETWORK_OFF,
        })
      }),
    )
    const live = sandbox as Sandbox
    add('sandbox: true', await elapsed(() => live.commands.run('true')))
    add('sandbox: files.exists(.git)', await elapsed(() => live.files.exists('.git')))
    add('sandbox: git rev-parse HEAD', await elapsed(() => live.commands.run('git rev-parse HEAD')))
    add(
      'sandbox: git switch -C task-n',
      await elapsed(() => live.commands.run(`git switch --quiet -C task-p${i} HEAD`)),
    )
    add(
      'sandbox: git status (index refresh)',
      await elapsed(() => live.commands.run('git status --porcelain')),
    )
    add('sandbox: git status again', await elapsed(() => live.commands.run('git status --porcelain')))
    add('sandbox.kill', await elapsed(() => live.kill()))
  }
  console.log()
  printTable(
    ['warm phase (one by one)', 'p50 ms'],
    Object.entries(phases).map(([name, values]) => [name, median(values).toFixed(1)]),
  )
}
