// What a GitHub repository costs the squad, against the fake GitHub (packages/server/test/helpers/
// fake-github: GitHub's REST API checked against its OpenAPI description, real git over smart HTTP)
// and a real server in this process:
//
// 1. GitHub API requests per task on the happy path (a script agent's run to its pull request), as
//    the fake counts them: a token (PAT) squad and an App squad; a plain repository (no template, no
//    CODEOWNERS, a task without labels) and a full one (template, CODEOWNERS, a labeled task); the
//    repository's first task (template and CODEOWNERS read) and a later one (cached by base commit).
//    Each case lists its operations and the tasks an hour a 5,000 requests/hour budget allows. Git's
//    own requests (clone, push) are not API calls and GitHub does not count them; shown beside.
// 2. Webhook received → revision queued: N signed `pull_request_review` (changes requested)
//    deliveries for distinct tasks in review, each timed from the POST's start to its answer (the
//    route answers after the transaction that queues the revision; the row is checked to be there),
//    beside two baselines measured interleaved in the same process: GET /api/v1/health and the
//    webhook route's 401 to an unsigned delivery.
//
//   node bench/github.ts        options: --deliveries 30, --only tasks|webhooks
//
// Needs bubblewrap (the local sandbox) for part 1. Benchmarks print, they never assert. The issue's
// target: at most 6 API requests per task.
import { Agent, Repository, Squad, Task } from '@agent-squad/contract'
import { Octokit } from '@octokit/rest'
import { and, eq } from 'drizzle-orm'
import { taskExecutions, tasks } from '../packages/server/src/db/schema.ts'
import { newId } from '../packages/server/src/domain/ids.ts'
import { type FakeGitHub, startFakeGitHub } from '../packages/server/test/helpers/fake-github/index.ts'
import { startTestServer, type TestServer } from '../packages/server/test/helpers/test-server.ts'
import { pipelineSkip } from '../packages/server/test/pipeline/git-fixture.ts'
import { createTask, startTask, waitForExecution } from '../packages/server/test/pipeline/pipeline-fixture.ts'
import { parseArgs, printTable } from './lib/args.ts'

const args = parseArgs()
const deliveries = args.number('deliveries', 30)
const only = args.string('only', '')
const WARMUP = 3
const SECRET = 'the-bench-webhook-secret'
const BUDGET = 5000
const TARGET = 6

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN
}
const ms = (value: number) => (Number.isNaN(value) ? '—' : `${value.toFixed(1)} ms`)

type Seen = FakeGitHub['requests'][number]
/** A git smart-HTTP request (clone, fetch, push): not an API call, not counted by GitHub's limit. */
const isGit = (r: Seen) => r.operationId === null && /\.git(\/|$)/.test(r.path)
/**
 * The API calls among `seen`, by operation id; a call the fake does not serve (it answers 404 and
 * records a violation) by its method and path, the sha or number taken out.
 */
const apiCalls = (seen: Seen[]) =>
  seen
    .filter((r) => !isGit(r))
    .map(
      (r) =>
        r.operationId ??
        `${r.method} ${r.path.replace(/\/[0-9a-f]{40}$/, '/{sha}').replace(/\/\d+(?=\/|$)/g, '/{n}')} (not served by the fake)`,
    )

/** Operations in order, runs of the same one collapsed: `pulls/create, issues/add-labels ×2`. */
function listOf(operations: string[]): string {
  const out: string[] = []
  let previous = ''
  let count = 0
  for (const op of [...operations, '']) {
    if (op === previous) {
      count++
      continue
    }
    if (previous) out.push(count > 1 ? `${previous} ×${count}` : previous)
    previous = op
    count = 1
  }
  return out.join(', ')
}

/** Resolves once the fake has seen no request for `quietMs` (what a run does after it ends). */
async function settled(fake: FakeGitHub, quietMs = 400, maxMs = 5000) {
  const start = performance.now()
  let seen = fake.requests.length
  let since = performance.now()
  while (performance.now() - start < maxMs) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    if (fake.requests.length !== seen) {
      seen = fake.requests.length
      since = performance.now()
    } else if (performance.now() - since >= quietMs) return
  }
}

if (pipelineSkip) {
  console.log(`bench/github: ${pipelineSkip}; nothing measured`)
  process.exit(0)
}

const fake = await startFakeGitHub()
const servers: TestServer[] = []
const api = async <T>(
  server: TestServer,
  method: string,
  path: string,
  body: unknown,
  parse: { parse(v: unknown): T },
) => {
  const res = await server.request(method, `/api/v1${path}`, body === undefined ? {} : { body })
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.json)}`)
  return parse.parse(res.json)
}
const anything = { parse: (v: unknown) => v }

try {
  for (const login of ['octo', 'alice']) fake.createUser({ login })
  const FULL = {
    'README.md': '# app\n',
    '.github/pull_request_template.md': '## Why\n\n## How it was tested\n',
    '.github/CODEOWNERS': '*.txt @alice\n',
  }
  const PLAIN = { 'README.md': '# app\n' }
  for (const auth of ['token', 'app'])
    for (const [kind, files] of [
      ['plain', PLAIN],
      ['full', FULL],
    ] as const) {
      await fake.createRepo({ fullName: `octo/${kind}-${auth}`, files })
      fake.addCollaborator(`octo/${kind}-${auth}`, 'alice', 'write')
    }
  await fake.createRepo({ fullName: 'octo/hooks', files: PLAIN })
  fake.addCollaborator('octo/hooks', 'alice', 'write')
  fake.installApp({ account: 'octo', repos: 'all' })
  const pat = fake.createToken({ login: 'octo' })

  if (only !== 'webhooks') {
    // ---- 1. API requests per task ----
    const server = await startTestServer({
      env: {
        SQUAD_WORKER: 'true',
        SQUAD_VALIDATE_RESPONSES: 'false',
        SQUAD_GITHUB_WEBHOOK_SECRET: SECRET,
        SQUAD_GITHUB_POLL_SECONDS: '0',
      },
      engineTuning: { pollMs: 100, gitBaseDelayMs: 20 },
    })
    servers.push(server)

    type Case = {
      auth: 'token' | 'app'
      kind: 'plain' | 'full'
      which: 'first' | 'later'
      status: string
      api: string[]
      git: number
      seconds: number
    }
    const cases: Case[] = []
    const checks: Array<{ auth: string; api: string[] }> = []
    let serial = 0
    for (const auth of ['token', 'app'] as const) {
      const squad = await api(server, 'POST', '/squads', { name: `${auth} squad` }, Squad)
      const agent = await api(
        server,
        'POST',
        `/squads/${squad.id}/agents`,
        { name: 'Bot', role: 'backend', llm_provider: 'script' },
        Agent,
      )
      const secret = auth === 'token' ? 'GITHUB_TOKEN' : 'GITHUB_APP_KEY'
      await api(
        server,
        'PUT',
        `/squads/${squad.id}/secrets/${secret}`,
        { value: auth === 'token' ? pat : fake.app.privateKeyPem },
        anything,
      )
      const githubAuth =
        auth === 'token'
          ? { kind: 'token', secret }
          : { kind: 'app', app_id: fake.app.id, private_key_secret: secret }
      for (const kind of ['plain', 'full'] as const) {
        const before = fake.requests.length
        const repo = await api(
          server,
          'POST',
          `/squads/${squad.id}/repositories`,
          { name: `${kind}`, github: { repo: `octo/${kind}-${auth}`, auth: githubAuth, base_url: fake.url } },
          Repository,
        )
        if (kind === 'plain')
          checks.push({
            auth,
            api: apiCalls(fake.requests.slice(before)),
          })
        for (const which of ['first', 'later'] as const) {
          const n = ++serial
          const task: Task = await createTask(server, squad.id, {
            title: `Task ${n}`,
            repository_id: repo.id,
            assignee_id: agent.id,
            ...(kind === 'full' ? { labels: ['feature'] } : {}),
            script: `echo task ${n} > task-${n}.txt`,
          })
          const from = fake.requests.length
          const started = performance.now()
          const done = await waitForExecution(server, (await startTask(server, task.id)).id, {
            timeoutMs: 180_000,
          })
          const seconds = (performance.now() - started) / 1000
          await settled(fake)
          const seen = fake.requests.slice(from)
          cases.push({
            auth,
            kind,
            which,
            status: done.status === 'succeeded' && done.pull_request_url ? 'PR opened' : done.status,
            api: apiCalls(seen),
            git: seen.filter(isGit).length,
            seconds,
          })
        }
      }
    }

    console.log('\nGitHub API requests per task (happy path: script agent → pull request)\n')
    printTable(
      ['case', 'run', 'API requests', `tasks/h on ${BUDGET}/h`, `≤ ${TARGET}?`, 'git HTTP', 'run time'],
      cases.map((c) => [
        `${c.auth === 'token' ? 'PAT' : 'App'}, ${c.kind === 'plain' ? 'no template/CODEOWNERS/labels' : 'template + CODEOWNERS + labels'}, ${c.which} task`,
        c.status,
        c.api.length,
        c.api.length ? Math.floor(BUDGET / c.api.length) : '∞',
        c.api.length <= TARGET ? 'yes' : 'no',
        c.git,
        `${c.seconds.toFixed(1)} s`,
      ]),
    )
    console.log('\nOperations per case, in order:')
    for (const c of cases)
      console.log(`  ${c.auth === 'token' ? 'PAT' : 'App'} ${c.kind} ${c.which}: ${listOf(c.api)}`)
    console.log('\nOnce per repository, the check when it is added (not counted above):')
    for (const c of checks)
      console.log(`  ${c.auth === 'token' ? 'PAT' : 'App'}: ${c.api.length} (${listOf(c.api)})`)
  }

  if (only !== 'tasks') {
    // ---- 2. Webhook received → revision queued ----
    // A server without a worker, so the revisions stay queued and nothing else uses the CPU.
    const hooks = await startTestServer({
      env: {
        SQUAD_WORKER: 'false',
        SQUAD_VALIDATE_RESPONSES: 'false',
        SQUAD_GITHUB_WEBHOOK_SECRET: SECRET,
        SQUAD_GITHUB_POLL_SECONDS: '0',
      },
    })
    servers.push(hooks)
    const db = () => hooks.deps.database.db
    const squad = await api(hooks, 'POST', '/squads', { name: 'reviews' }, Squad)
    const dev = await api(
      hooks,
      'POST',
      `/squads/${squad.id}/agents`,
      { name: 'Dev', role: 'backend', llm_provider: 'script' },
      Agent,
    )
    await api(hooks, 'PUT', `/squads/${squad.id}/secrets/GITHUB_TOKEN`, { value: pat }, anything)
    const repo = await api(
      hooks,
      'POST',
      `/squads/${squad.id}/repositories`,
      {
        name: 'hooks',
        github: { repo: 'octo/hooks', auth: { kind: 'token', secret: 'GITHUB_TOKEN' }, base_url: fake.url },
      },
      Repository,
    )
    const octokit = new Octokit({ baseUrl: fake.apiUrl, auth: pat })
    // Tasks in review, set up cheaply: a branch with a commit and an open pull request on the fake,
    // and a succeeded implementing run recorded in the database (no pipeline).
    const inReview: Array<{ task: Task; payload: unknown }> = []
    for (let i = 0; i < WARMUP + deliveries; i++) {
      const task = await api(
        hooks,
        'POST',
        `/squads/${squad.id}/tasks`,
        { title: `Change ${i}`, repository_id: repo.id, assignee_id: dev.id },
        Task,
      )
      const branch = `task-${task.number}`
      await fake.commit({
        repo: 'octo/hooks',
        branch,
        from: 'main',
        files: { [`${branch}.txt`]: 'x\n' },
        message: `feat: ${branch}`,
      })
      const { data: pull } = await octokit.pulls.create({
        owner: 'octo',
        repo: 'hooks',
        title: task.title,
        head: branch,
        base: 'main',
      })
      await db().insert(taskExecutions).values({
        id: newId(),
        taskId: task.id,
        squadId: squad.id,
        agentId: dev.id,
        status: 'succeeded',
        runReason: 'start',
        gitBranch: branch,
        pullRequestUrl: pull.html_url,
      })
      await db().update(tasks).set({ status: 'in_review' }).where(eq(tasks.id, task.id))
      const payload = await fake.webhookPayload.reviewSubmitted({
        repo: 'octo/hooks',
        number: pull.number,
        author: 'alice',
        state: 'changes_requested',
        body: 'Not yet.',
        comments: [{ path: `${branch}.txt`, line: 1, body: 'Say more than x.' }],
      })
      inReview.push({ task, payload })
    }

    const url = `${hooks.url}/api/v1/webhooks/github`
    const timed = async (fn: () => Promise<unknown>) => {
      const start = performance.now()
      await fn()
      return performance.now() - start
    }
    const health: number[] = []
    const refused: number[] = []
    const queued: number[] = []
    const direct: number[] = []
    const apiPerDelivery: string[][] = []
    let rowsPresent = 0
    let refusedStatus = 0
    for (const [i, { task, payload }] of inReview.entries()) {
      const h = await timed(async () => {
        const res = await fetch(`${hooks.url}/api/v1/health`)
        await res.arrayBuffer()
      })
      const body = JSON.stringify(payload)
      const r = await timed(async () => {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'pull_request_review',
            'x-github-delivery': newId(),
          },
          body,
        })
        refusedStatus = res.status
        await res.arrayBuffer()
      })
      // The GitHub calls the route makes for a review (its comments, who the server is, the
      // reviewer's permission), made directly: the fake runs in this process, so its share shows.
      const { pull_request } = payload as { pull_request: { number: number } }
      const where = { owner: 'octo', repo: 'hooks' }
      const d = await timed(async () => {
        await octokit.pulls.listReviewComments({ ...where, pull_number: pull_request.number, per_page: 100 })
        await octokit.users.getAuthenticated()
        await octokit.repos.getCollaboratorPermissionLevel({ ...where, username: 'alice' })
      })
      const from = fake.requests.length
      let outcome = ''
      const q = await timed(async () => {
        const res = await fake.deliver({ url, event: 'pull_request_review', payload, secret: SECRET })
        outcome = (JSON.parse(res.body) as { outcome?: string }).outcome ?? res.body
      })
      const revisions = await db()
        .select({ id: taskExecutions.id })
        .from(taskExecutions)
        .where(and(eq(taskExecutions.taskId, task.id), eq(taskExecutions.runReason, 'revision')))
      if (i < WARMUP) continue
      if (revisions.length === 1) rowsPresent++
      else console.log(`  task #${task.number}: ${revisions.length} revisions after the answer (${outcome})`)
      health.push(h)
      refused.push(r)
      queued.push(q)
      apiPerDelivery.push(apiCalls(fake.requests.slice(from)))
      direct.push(d)
    }

    console.log(
      `\nWebhook received → revision queued: ${deliveries} signed pull_request_review deliveries (changes requested, one inline comment) for distinct tasks in review, after ${WARMUP} not counted\n`,
    )
    const base = quantile(health, 0.5)
    printTable(
      ['round trip', 'p50', 'p90', 'max', 'p50 / health p50'],
      [
        [
          'GET /api/v1/health (baseline)',
          ms(base),
          ms(quantile(health, 0.9)),
          ms(Math.max(...health)),
          '1.0x',
        ],
        [
          `unsigned delivery → ${refusedStatus} (baseline)`,
          ms(quantile(refused, 0.5)),
          ms(quantile(refused, 0.9)),
          ms(Math.max(...refused)),
          `${(quantile(refused, 0.5) / base).toFixed(1)}x`,
        ],
        [
          "the route's 3 GitHub calls, direct (Octokit → fake)",
          ms(quantile(direct, 0.5)),
          ms(quantile(direct, 0.9)),
          ms(Math.max(...direct)),
          `${(quantile(direct, 0.5) / base).toFixed(1)}x`,
        ],
        [
          'signed review → revision queued',
          ms(quantile(queued, 0.5)),
          ms(quantile(queued, 0.9)),
          ms(Math.max(...queued)),
          `${(quantile(queued, 0.5) / base).toFixed(1)}x`,
        ],
      ],
    )
    const perDelivery = apiPerDelivery.map((a) => a.length)
    console.log(
      `\nRevision row present when the answer arrived: ${rowsPresent}/${deliveries}. GitHub API requests per delivery: ${Math.min(...perDelivery)}–${Math.max(...perDelivery)} (${listOf(apiPerDelivery[0] ?? [])}).`,
    )
    const violations = fake.violations
    console.log(
      `\nThe fake recorded ${violations.length} violation(s) of GitHub's description${violations.length ? `: ${JSON.stringify(violations.slice(0, 3))}` : ''}.`,
    )
  }
} finally {
  for (const server of servers) await server.stop().catch(() => {})
  await fake.close()
}
