// The real agent CLIs at their pinned versions (squad agents install), each run by the squad's own
// CLI runner (run-cli-agent.ts: fresh HOME, config files, flags, parser) on one task against the
// fake model server of its protocol, beside the built-in agent on the same task and fake model:
// per CLI its install size, the time from start to its first model request, and the whole run.
//
//   node bench/agent-clis.ts                   every installed CLI, 2 runs each (the first is warm-up)
//   options: --runs 2 --cli claude-code --toolchain-dir ~/.cache/agent-squad/toolchain
//            --record   write each CLI's raw output to test/agents/cli/samples/real/<cli>-<version>.jsonl
//
// The sandbox is the process sandbox (no isolation: the CLIs' own start-up is what is measured, not
// bubblewrap's; the pipeline test runs them in bubblewrap). Benchmarks print, they never assert.

import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AgentRuntime } from '../packages/server/src/agents/runtime/agent-runtime.ts'
import { createBuiltinAgent } from '../packages/server/src/agents/runtime/builtin/builtin-agent.ts'
import { cliAdapters } from '../packages/server/src/agents/runtime/cli/cli-agents.ts'
import { createCliAgent } from '../packages/server/src/agents/runtime/cli/run-cli-agent.ts'
import { pinnedCli, pinnedCliNames } from '../packages/server/src/agents/toolchain/cli-versions.ts'
import { cliInstallDir, installedCliBinary } from '../packages/server/src/agents/toolchain/toolchain-paths.ts'
import { ProcessSandboxProvider } from '../packages/server/src/sandbox/process/process-sandbox-provider.ts'
import { startFakeAnthropic } from '../packages/server/test/agents/fakes/anthropic-messages-server.ts'
import { startFakeGemini } from '../packages/server/test/agents/fakes/gemini-server.ts'
import { startFakeOpenAI } from '../packages/server/test/agents/fakes/openai-chat-server.ts'
import { startFakeOpenAIResponses } from '../packages/server/test/agents/fakes/openai-responses-server.ts'
import type { FakeModelServer, FakeScript } from '../packages/server/test/agents/fakes/scripted-model.ts'
import { statelessScript } from '../packages/server/test/agents/fakes/stateless-script.ts'
import { median, parseArgs, printTable } from './lib/args.ts'

const args = parseArgs()
const runs = args.number('runs', 2)
const only = args.string('cli', '')
const record = args.has('record')
const toolchainDir = args.string(
  'toolchain-dir',
  process.env.SQUAD_TOOLCHAIN_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'agent-squad', 'toolchain'),
)
const samplesDir = join(import.meta.dirname, '..', 'packages/server/test/agents/cli/samples/real')

const root = mkdtempSync(join(tmpdir(), 'squad-bench-clis-'))
const sandboxes = new ProcessSandboxProvider({ root, logger: { warn: () => {} } })

/** One run of `runtime` on a fresh workspace: total time, time to the first model request, and its raw output. */
async function runOnce(runtime: AgentRuntime, fake: FakeModelServer, agent: Record<string, unknown>) {
  const sandbox = await sandboxes.create({})
  await sandbox.files.write('README.md', '# Bench\n\nhello world\n')
  execFileSync('git', ['init', '-q', sandbox.workdir])
  fake.setScript(
    statelessScript({ dir: sandbox.workdir, file: 'hello.txt', content: 'hello from the fake model\n' }),
  )
  const started = Date.now()
  let raw = ''
  const result = await runtime.run({
    sandbox,
    workdir: sandbox.workdir,
    task: {
      id: 'bench',
      number: 1,
      title: 'Write hello.txt',
      description: 'Write hello.txt.',
      labels: [],
      script: null,
    },
    assignment: { mode: 'implement', feedback: [] },
    agent: { id: null, name: 'Bench', role: 'backend', systemPrompt: '', llmModel: '', ...agent } as never,
    log: { stdout: () => {}, stderr: () => {}, system: () => {} },
    emit: () => {},
    addSecret: () => {},
    signal: new AbortController().signal,
    timeoutMs: 5 * 60_000,
  })
  const totalMs = Date.now() - started
  const written = await sandbox.files.read('hello.txt').catch(() => null)
  if (record) raw = await sandbox.files.read('.raw-output.jsonl').catch(() => '')
  await sandbox.kill()
  const first = fake.requests[0]
  const firstMs = first ? Number(first.headers['x-bench-received'] ?? 0) - started : NaN
  if (written !== 'hello from the fake model\n')
    throw new Error(`the file was not written: ${result.summary}`)
  return { totalMs, firstMs, raw }
}

/** Stamps each request with the moment it arrived, for "time to first model request". */
function stamped(script: FakeScript): FakeScript {
  return (request, index) => {
    request.headers['x-bench-received'] = String(Date.now())
    return typeof script === 'function' ? script(request, index) : (script[index] ?? { text: '' })
  }
}

const starts = {
  'anthropic-messages': startFakeAnthropic,
  'openai-responses': startFakeOpenAIResponses,
  'openai-chat': startFakeOpenAI,
  gemini: startFakeGemini,
}
const rows: Array<Array<string | number>> = []

// The built-in agent on the same task, as the baseline.
{
  const fake = await startFakeOpenAI()
  const builtin = createBuiltinAgent({ env: () => undefined, limits: { maxSteps: 10, maxTokens: 1e9 } })
  const totals: number[] = []
  for (let run = 0; run < runs; run++) {
    const { totalMs } = await runOnce(builtin, fake, {
      llmProvider: 'openai-compatible',
      llmModel: 'bench-model',
      config: { base_url: fake.url },
    })
    if (run > 0 || runs === 1) totals.push(totalMs)
  }
  await fake.close()
  rows.push(['built-in agent', '-', '-', '-', median(totals).toFixed(0), '1.0'])
}
const builtinMs = Number(rows[0]?.[4])

for (const name of pinnedCliNames.filter((n) => !only || n === only)) {
  const cli = pinnedCli(name)
  const adapter = cliAdapters.find((a) => a.provider === name)
  const binary = installedCliBinary(toolchainDir, cli)
  if (!cli || !adapter || !binary) {
    rows.push([name, cli?.version ?? '?', 'not installed', '-', '-', '-'])
    continue
  }
  const sizeMb = Number(
    execFileSync('du', ['-sm', cliInstallDir(toolchainDir, cli)])
      .toString()
      .split('\t')[0],
  )
  const protocol = adapter.protocol(null) ?? 'openai-chat'
  const fake = await starts[protocol]()
  const base = protocol === 'openai-responses' || protocol === 'openai-chat' ? fake.url : fake.origin
  const wrapper = join(root, `${name}-recorder.sh`)
  // With --record the CLI's stdout is also kept, raw, in the workspace (outside git's view: not committed).
  writeFileSync(wrapper, `#!/bin/sh\n'${binary}' "$@" | tee .raw-output.jsonl\n`, { mode: 0o755 })
  const runtime = createCliAgent(adapter, {
    env: { [adapter.keyVariables(null)[0]?.env ?? 'API_KEY']: 'sk-bench-dummy' },
    toolchainDir,
  })
  const model =
    name === 'opencode'
      ? 'squad/bench-model'
      : name === 'gemini-cli'
        ? 'gemini-2.5-flash'
        : name === 'claude-code'
          ? 'claude-sonnet-4-5'
          : 'gpt-5'
  const totals: number[] = []
  const firsts: number[] = []
  let raw = ''
  for (let run = 0; run < runs; run++) {
    fake.setScript(stamped(statelessScript({ dir: '', file: '', content: '' })))
    const original = fake.setScript
    // runOnce sets the stateless script for its workspace; keep the stamp around it.
    fake.setScript = (script) => original(stamped(script))
    const once = await runOnce(runtime, fake, {
      llmProvider: name,
      llmModel: model,
      config: { base_url: base, ...(record ? { command: wrapper } : {}) },
    })
    fake.setScript = original
    if (run > 0 || runs === 1) {
      totals.push(once.totalMs)
      firsts.push(once.firstMs)
    }
    raw = once.raw
  }
  await fake.close()
  if (record && raw) {
    mkdirSync(samplesDir, { recursive: true })
    writeFileSync(join(samplesDir, `${name}-${cli.version}.jsonl`), raw)
  }
  rows.push([
    name,
    cli.version,
    sizeMb,
    median(firsts).toFixed(0),
    median(totals).toFixed(0),
    (median(totals) / builtinMs).toFixed(1),
  ])
}

printTable(['agent', 'version', 'install MB', 'first request ms', 'whole run ms', '× built-in'], rows)
await sandboxes.close()
rmSync(root, { recursive: true, force: true })
