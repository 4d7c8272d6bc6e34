// The built-in agent's loop overhead per step: the time a step takes outside the model's HTTP
// exchange and outside the tools (building the request, the AI SDK's streaming and parsing, tool
// dispatch through the wrapper, conversation events, limits), beside a bare `fetch` of the same fake
// model server with the same request bodies, in the same run.
//
//   node bench/agent-loop.ts                      5 runs of 60 steps (the first run is warm-up)
//   options: --runs 5 --steps 60 --provider openai-compatible|anthropic
//
// The fake model (test/agents/fakes) answers every step with a sentence and one `list` call, then
// `finish`; the sandbox is the process sandbox (tool time is measured by the wrapper and taken out).
// "In-loop HTTP" is measured by the provider's fetch: from the request until its body is consumed.
// Benchmarks print, they never assert. Target: loop overhead p50 under 5 ms.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBuiltinAgent } from '../packages/server/src/agents/runtime/builtin/builtin-agent.ts'
import { ProcessSandboxProvider } from '../packages/server/src/sandbox/process/process-sandbox-provider.ts'
import { startFakeAnthropic } from '../packages/server/test/agents/fakes/anthropic-messages-server.ts'
import { startFakeOpenAI } from '../packages/server/test/agents/fakes/openai-chat-server.ts'
import type { FakeTurn } from '../packages/server/test/agents/fakes/scripted-model.ts'
import { parseArgs, printTable } from './lib/args.ts'

const args = parseArgs()
const runs = args.number('runs', 5)
const stepsPerRun = args.number('steps', 60)
const provider = args.string('provider', 'openai-compatible')

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN
}

// One model turn per request: keep working until the step count, then finish.
let step = 0
const script = (): FakeTurn =>
  ++step % stepsPerRun === 0
    ? { toolCalls: [{ name: 'finish', args: { summary: 'Benchmark run finished.', commit_type: 'chore' } }] }
    : {
        text: 'Looking at the workspace to find the file the task talks about, then I will read it.',
        toolCalls: [{ name: 'list', args: { path: '.' } }],
        usage: { input: 2000 + step, output: 40 },
      }
const fake = provider === 'anthropic' ? await startFakeAnthropic(script) : await startFakeOpenAI(script)

// The provider's HTTP exchange, timed from the request until the SDK has read the whole body.
let httpMs = 0
const timedFetch: typeof fetch = async (input, init) => {
  const started = performance.now()
  const res = await fetch(input, init)
  if (!res.body) {
    httpMs += performance.now() - started
    return res
  }
  const body = res.body.pipeThrough(
    new TransformStream({
      flush() {
        httpMs += performance.now() - started
      },
    }),
  )
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers })
}

const root = mkdtempSync(join(tmpdir(), 'squad-bench-agent-'))
const sandboxes = new ProcessSandboxProvider({ root })
const sandbox = await sandboxes.create({})
await sandbox.files.write('README.md', '# Bench\n')
await sandbox.files.write('src/app.ts', 'export const answer = 42\n')

const overheads: number[] = []
const stepTimes: number[] = []
const httpTimes: number[] = []
const toolTimes: number[] = []
let events = 0
const agent = {
  id: null,
  name: 'Bench',
  role: 'backend',
  llmProvider: provider,
  llmModel: provider === 'anthropic' ? 'claude-sonnet-4-5' : 'bench-model',
  systemPrompt: '',
  config: provider === 'anthropic' ? { base_url: fake.origin } : { base_url: fake.url },
}
for (let run = 0; run < runs; run++) {
  const warmUp = run === 0
  const runtime = createBuiltinAgent({
    env: (name) => (name === 'ANTHROPIC_API_KEY' ? 'sk-ant-bench-key-000000' : undefined),
    limits: { maxSteps: stepsPerRun + 5, maxTokens: 1e9 },
    fetch: timedFetch,
    onStep({ stepMs, toolMs }) {
      // One model call per step, between two onStep calls: its HTTP time is what httpMs grew by.
      const stepHttp = httpMs - httpBefore
      httpBefore = httpMs
      if (warmUp) return
      stepTimes.push(stepMs)
      toolTimes.push(toolMs)
      httpTimes.push(stepHttp)
      overheads.push(stepMs - toolMs - stepHttp)
    },
  })
  let httpBefore = httpMs
  step = 0
  const result = await runtime.run({
    sandbox,
    workdir: sandbox.workdir,
    task: { id: 'bench', number: 1, title: 'Benchmark', description: '', labels: [], script: null },
    assignment: { mode: 'implement', feedback: [] },
    agent,
    log: { stdout: () => {}, stderr: () => {}, system: () => {} },
    emit: () => {
      events++
    },
    addSecret: () => {},
    signal: new AbortController().signal,
    timeoutMs: 10 * 60_000,
  })
  if (result.usage?.steps !== stepsPerRun) throw new Error(`run ${run} made ${result.usage?.steps} steps`)
}

// The same request bodies, sent with a bare fetch and read to the end.
const bodies = fake.requests.slice(-overheads.length).map((r) => JSON.stringify(r.body))
const headers =
  provider === 'anthropic'
    ? {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-bench-key-000000',
        'anthropic-version': '2023-06-01',
      }
    : { 'content-type': 'application/json' }
const endpoint = provider === 'anthropic' ? `${fake.url}/messages` : `${fake.url}/chat/completions`
const bare: number[] = []
step = 0
for (const body of bodies) {
  const started = performance.now()
  const res = await fetch(endpoint, { method: 'POST', headers, body })
  await res.arrayBuffer()
  bare.push(performance.now() - started)
}

await sandbox.kill()
await sandboxes.close()
await fake.close()
rmSync(root, { recursive: true, force: true })

// Everything but the tools and the floor of the HTTP exchange: the SDK's request building and stream
// parsing included, each step measured against the bare fetch's median.
const bareP50 = percentile(bare, 50)
const beyondFetch = stepTimes.map((t, i) => t - (toolTimes[i] ?? 0) - bareP50)
const f = (n: number) => n.toFixed(2)
console.log(
  `agent loop, ${provider}: ${runs - 1} measured runs × ${stepsPerRun} steps (${overheads.length} steps), ${events} events\n`,
)
printTable(
  ['per step', 'p50 ms', 'p99 ms', 'max ms'],
  [
    [
      'loop overhead (step − tools − in-loop HTTP)',
      f(percentile(overheads, 50)),
      f(percentile(overheads, 99)),
      f(Math.max(...overheads)),
    ],
    [
      'step − tools − bare fetch p50 (SDK + loop)',
      f(percentile(beyondFetch, 50)),
      f(percentile(beyondFetch, 99)),
      f(Math.max(...beyondFetch)),
    ],
    [
      'in-loop HTTP (request → body consumed)',
      f(percentile(httpTimes, 50)),
      f(percentile(httpTimes, 99)),
      f(Math.max(...httpTimes)),
    ],
    [
      'bare fetch of the same bodies (baseline)',
      f(percentile(bare, 50)),
      f(percentile(bare, 99)),
      f(Math.max(...bare)),
    ],
    [
      'tools (list, through the wrapper)',
      f(percentile(toolTimes, 50)),
      f(percentile(toolTimes, 99)),
      f(Math.max(...toolTimes)),
    ],
    ['whole step', f(percentile(stepTimes, 50)), f(percentile(stepTimes, 99)), f(Math.max(...stepTimes))],
  ],
)
console.log(`\nloop overhead p50 ${f(percentile(overheads, 50))} ms (target < 5 ms)`)
