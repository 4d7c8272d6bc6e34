// The repository in and out of a sandbox that cannot see this host's folders (E2B and any remote
// provider), on a generated repository (5,000 files, ~50 MB, 200 commits), all in one run against
// this server's local forge, with ratios against same-run baselines:
//   1. workspace ready (provision → clone → branch through the real pipeline steps): the local
//      provider's host-folder path beside the bundle path every remote provider takes (here the local
//      sandbox with its host-folder capability off);
//   2. in: the server's git bundle of the base written through the files API and fetched in the
//      sandbox, beside a `git clone` in the sandbox from the forge's URL with a short-lived token
//      (the alternative the issue names), and beside a plain `git clone` on the host (baseline);
//   3. out: the sandbox's bundle of a one-commit task branch read back, checked in a quarantine and
//      pushed by the server, beside a `git push` from the sandbox with the token.
// Create → first command on E2B and resume-from-pause → first command need the E2B-compatible test
// server (test/helpers/fake-e2b), which is not on this branch yet: the bench says so and skips them.
//
//   node bench/e2b.ts                      5,000 files, ~50 MB, 200 commits, 5 runs each
//   options: --files 5000 --mb 50 --commits 200 --runs 5 --keep-repo DIR (reuse a generated repo)
//
// Runs are interleaved (one of each method per round), so load from elsewhere hits all alike.
// Benchmarks print, they never assert.
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
import { sandboxGit } from '../packages/server/src/executions/pipeline/sandbox-git.ts'
import { branch } from '../packages/server/src/executions/pipeline/steps/branch.ts'
import { clone } from '../packages/server/src/executions/pipeline/steps/clone.ts'
import { provision } from '../packages/server/src/executions/pipeline/steps/provision.ts'
import { push } from '../packages/server/src/executions/pipeline/steps/push.ts'
import type { RepoRef } from '../packages/server/src/forge/forge.ts'
import type { HostedSandboxProvider } from '../packages/server/src/sandbox/create-sandbox-provider.ts'
import { releaseWorkspace } from '../packages/server/src/sandbox/folder/workspace.ts'
import type { Sandbox } from '../packages/server/src/sandbox/sandbox-provider.ts'
import { serverRedactor } from '../packages/server/src/secrets/server-redactor.ts'
import { startServer } from '../packages/server/src/server.ts'
import { median, parseArgs, printTable } from './lib/args.ts'
import { generateRepo, git } from './lib/generate-repo.ts'

const args = parseArgs()
if (args.has('help')) {
  console.log(`bench/e2b.ts: the repository in and out of a remote sandbox (git bundles through the files API)
beside the local provider's host-folder path, a token-URL clone in the sandbox and a plain git clone.

  node bench/e2b.ts [--files 5000] [--mb 50] [--commits 200] [--runs 5] [--keep-repo DIR]

  --files      files in the generated repository (default 5000)
  --mb         approximate working-tree size in MB (default 50)
  --commits    commits in its history (default 200)
  --runs       runs per method, interleaved (default 5)
  --keep-repo  a folder to generate the repository into once and reuse on later runs
  --help       this text`)
  process.exit(0)
}
const runs = args.number('runs', 5)
const files = args.number('files', 5000)
const megabytes = args.number('mb', 50)
const commits = args.number('commits', 200)
const keptRepo = args.string('keep-repo', '')

const work = await mkdtemp(join(tmpdir(), 'squad-bench-e2b-'))
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
// The reaper would kill this bench's sandboxes: their executions exist only in its contexts.
const server = await startServer(config, { logger, engineTuning: { reapIntervalMs: 24 * 3_600_000 } })
/** The same provider as a remote one looks to the pipeline: no host folder seeds its workspaces. */
const remoteLike = new Proxy(server.sandboxes, {
  get: (target, key) => {
    if (key === 'capabilities') return { ...target.capabilities, seedFromHostFolder: undefined }
    const value = Reflect.get(target, key)
    return typeof value === 'function' ? value.bind(target) : value
  },
}) as HostedSandboxProvider

const elapsed = async (fn: () => Promise<unknown>) => {
  const start = performance.now()
  await fn()
  return performance.now() - start
}
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`)

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

/**
 * The local forge with the squad owner's token: an execution's token is bound to an execution row,
 * and this bench's contexts have none.
 */
const forge = () => ({
  ...server.deps.localForge,
  credentials: (r: RepoRef) => server.deps.localForge.credentials(r, {}),
})

const depsFor = (sandboxes: HostedSandboxProvider, cacheRoot: string): PipelineDeps => ({
  db: server.deps.database.db,
  logger,
  sandboxes,
  forgeFor: forge,
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
/** A context whose store and log write nothing (the database writes are bench/pipeline.ts's). */
function contextFor(sandboxes: HostedSandboxProvider, cacheRoot: string) {
  const n = ++taskNumber
  const noop = async () => ({}) as never
  const ctx = {
    deps: depsFor(sandboxes, cacheRoot),
    execution: { id: randomUUID(), gitBranch: `task-${n}` },
    task: { id: randomUUID(), squadId: repo.squadId, number: n },
    repo,
    forge: forge(),
    agent: null,
    squadConfig: {},
    store: { scope: {}, gitProgress: noop, updateStep: noop, updateExecution: async () => ctx.execution },
    log: { write: () => {}, setStep: () => {} },
    redactor: serverRedactor(config).child(),
    signal: new AbortController().signal,
    results: {} as Record<string, StepResult>,
    sandbox: null,
    network: { mode: 'off' },
  } as unknown as ExecutionContext
  return ctx
}

/** provision → clone → branch through the real steps; returns the context with its sandbox. */
async function workspace(sandboxes: HostedSandboxProvider, cacheRoot: string) {
  const ctx = contextFor(sandboxes, cacheRoot)
  const steps: [string, Step][] = [
    ['provision', provision],
    ['clone', clone],
    ['branch', branch],
  ]
  try {
    for (const [name, step] of steps) ctx.results[name as 'provision'] = (await step(ctx)).result
  } catch (error) {
    await ctx.sandbox?.kill().catch(() => {})
    throw error
  }
  return ctx
}

/** One commit on the task branch, as the commit step records it, then the push step, timed. */
async function commitAndPush(ctx: ExecutionContext) {
  const sandbox = ctx.sandbox as Sandbox
  await sandbox.commands.run(`echo change-${ctx.execution.id} >> README-bench.txt`)
  await sandboxGit(ctx, ['add', '-A'], { quiet: true })
  await sandboxGit(
    ctx,
    ['-c', 'user.name=Bench', '-c', 'user.email=b@example.com', 'commit', '-qm', 'bench'],
    {
      quiet: true,
    },
  )
  ctx.results.commit = { sha: (await sandboxGit(ctx, ['rev-parse', 'HEAD'], { quiet: true })).stdout.trim() }
  return elapsed(() => push(ctx))
}

let repo: RepoRef
try {
  const source = keptRepo || join(work, 'generated')
  if (!(keptRepo && existsSync(join(keptRepo, '.git'))))
    await generateRepo({ dir: source, files, bytes: megabytes * 1024 * 1024, commits })
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
  const pushAuth = (await server.deps.localForge.credentials(repo, {}))?.httpHeader ?? ''
  await git(source, ['-c', `http.extraHeader=${pushAuth}`, 'push', '-q', cloneUrl, 'main'])
  console.log('Agent Squad E2B bench: the repository in and out of a sandbox that cannot see host folders')
  console.log(
    `  repository: ${files} files, ~${megabytes} MB, ${commits} commits; node ${process.versions.node}, ` +
      `provider ${server.sandboxes.name}, ${runs} runs per method, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  )
  console.log()

  const warmLocal = join(work, 'cache-local')
  const warmBundle = join(work, 'cache-bundle')
  // First tasks fill the caches (the mirror, and the local path's shared checkout).
  await (await workspace(server.sandboxes, warmLocal)).sandbox?.kill()
  await (await workspace(remoteLike, warmBundle)).sandbox?.kill()

  const t: Record<string, number[]> = {}
  const add = (key: string, ms: number) => {
    t[key] ??= []
    t[key].push(ms)
  }
  for (let i = 0; i < runs; i++) {
    const dir = join(work, `run-${i}`)
    await mkdir(dir)
    add('host-clone', await elapsed(() => git(dir, ['clone', '-q', cloneUrl, 'plain'])))

    let local: ExecutionContext | undefined
    add('ready-local', await elapsed(async () => (local = await workspace(server.sandboxes, warmLocal))))
    add('out-token', await commitAndPush(local as ExecutionContext))
    await local?.sandbox?.kill()

    let remote: ExecutionContext | undefined
    add('ready-bundle', await elapsed(async () => (remote = await workspace(remoteLike, warmBundle))))
    add('in-bundle', Number(remote?.results.provision?.seed_ms ?? Number.NaN))
    add('out-bundle', await commitAndPush(remote as ExecutionContext))
    await remote?.sandbox?.kill()

    // The alternative for "in": the sandbox clones from the forge's URL with a short-lived token.
    const sandbox = await server.sandboxes.create({
      network: { mode: 'allowlist', allow: [new URL(cloneUrl).host] },
      timeoutMs: 10 * 60_000,
    })
    const token = await server.deps.localForge.credentials(repo, {})
    add(
      'in-token',
      await elapsed(() =>
        sandbox.commands.run(`git -c http.proxy=${sandbox.proxyUrl ?? ''} clone -q "$URL" . `, {
          envs: {
            URL: cloneUrl,
            NO_PROXY: '',
            no_proxy: '',
            GIT_CONFIG_COUNT: '1',
            GIT_CONFIG_KEY_0: 'http.extraHeader',
            GIT_CONFIG_VALUE_0: token?.httpHeader ?? '',
          },
          timeoutMs: 10 * 60_000,
        }),
      ),
    )
    await sandbox.kill()
    await rm(dir, { recursive: true, force: true })
  }

  const row = (label: string, key: string, base: string) => {
    const value = median(t[key] ?? [])
    return [label, fmt(value), `${(value / median(t[base] ?? [])).toFixed(2)}x`]
  }
  printTable(
    ['workspace ready (provision → clone → branch), warm cache', 'p50', 'vs local'],
    [
      row('local provider: copy-on-write over the host checkout', 'ready-local', 'ready-local'),
      row('bundle path (every remote provider), local sandbox', 'ready-bundle', 'ready-local'),
    ],
  )
  console.log()
  printTable(
    ['repository in', 'p50', 'vs host clone'],
    [
      row('plain git clone on the host (baseline)', 'host-clone', 'host-clone'),
      row('bundle: server makes it, files API, fetch + checkout', 'in-bundle', 'host-clone'),
      row('token URL: git clone in the sandbox through its proxy', 'in-token', 'host-clone'),
    ],
  )
  console.log()
  printTable(
    ['task branch out (one commit)', 'p50', 'vs token push'],
    [
      row('git push from the sandbox with the token', 'out-token', 'out-token'),
      row('bundle read back, quarantine check, server pushes', 'out-bundle', 'out-token'),
    ],
  )
  console.log()
  console.log(
    'create → first command and resume-from-pause on E2B: skipped (the E2B-compatible test server is not on this branch)',
  )
} finally {
  await server.sandboxes.cleanupOrphans([]).catch(() => {})
  await server.close()
  await releaseWorkspace(work).catch(() => {})
  await rm(work, { recursive: true, force: true })
}
