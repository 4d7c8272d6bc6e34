import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AgentEvent, AgentRunInput, AgentRunResult } from '../../src/agents/runtime/agent-runtime.ts'
import {
  type BuiltinAgentOptions,
  createBuiltinAgent,
} from '../../src/agents/runtime/builtin/builtin-agent.ts'
import { shellCommand } from '../../src/git/shell-quote.ts'
import { LocalSandboxProvider } from '../../src/sandbox/local/local-sandbox-provider.ts'
import { NETWORK_OFF } from '../../src/sandbox/network-policy.ts'
import type { Sandbox } from '../../src/sandbox/sandbox-provider.ts'
import { Redactor } from '../../src/secrets/redactor.ts'

export const hasBwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'].some((p) => existsSync(p))

/** A real local (bubblewrap) sandbox whose workspace is a git repository holding `files` on main. */
export async function createWorkspace(
  files: Record<string, string>,
  options: { symlinks?: Record<string, string> } = {},
): Promise<{ sandbox: Sandbox; close(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'squad-agent-test-'))
  // A uid range of its own, so test files running in parallel never share a sandbox uid.
  const provider = new LocalSandboxProvider({ root, uidBase: 250_000, uidCount: 1000 })
  const sandbox = await provider.create({ network: NETWORK_OFF })
  for (const [path, content] of Object.entries(files)) await sandbox.files.write(path, content)
  const links = Object.entries(options.symlinks ?? {}).map(([link, target]) =>
    shellCommand(['ln', '-s', target, link]),
  )
  await sandbox.commands.run(
    [
      'git init -q -b main',
      ...links,
      'git add -A',
      'git -c user.name=Test -c user.email=test@example.com commit -qm initial',
    ].join(' && '),
    { cwd: sandbox.workdir },
  )
  return {
    sandbox,
    async close() {
      await sandbox.kill().catch(() => {})
      await provider.close()
      await rm(root, { recursive: true, force: true }).catch(() => {})
    },
  }
}

export type AgentRun = {
  result: AgentRunResult | null
  error: Error | null
  events: AgentEvent[]
  log: string
  durationMs: number
}

/** Runs the built-in agent once against `sandbox`, collecting its events and terminal log. */
export async function runBuiltinAgent(options: {
  sandbox: Sandbox
  agent: Partial<AgentRunInput['agent']> & { llmProvider: string }
  env?: Record<string, string>
  task?: Partial<AgentRunInput['task']>
  timeoutMs?: number
  builtin?: Partial<BuiltinAgentOptions>
  signal?: AbortSignal
  assignment?: AgentRunInput['assignment']
}): Promise<AgentRun> {
  const env = options.env ?? {}
  const runtime = createBuiltinAgent({
    env: (name) => env[name],
    limits: { maxSteps: 30, maxTokens: 1_000_000 },
    retry: { maxRetries: 3, baseDelayMs: 20, maxDelayMs: 200 },
    ...options.builtin,
  })
  const events: AgentEvent[] = []
  let log = ''
  const redactor = new Redactor()
  const started = performance.now()
  try {
    const result = await runtime.run({
      sandbox: options.sandbox,
      workdir: options.sandbox.workdir,
      task: {
        id: '00000000-0000-7000-8000-000000000001',
        number: 7,
        title: 'Fix the greeting',
        description: 'The greeting says hello; it should say goodbye.',
        labels: ['bug'],
        script: null,
        ...options.task,
      },
      assignment: options.assignment ?? { mode: 'implement', feedback: [] },
      agent: {
        id: null,
        name: 'Builder',
        role: 'backend',
        llmModel: 'fake-model',
        systemPrompt: '',
        config: {},
        ...options.agent,
      },
      log: {
        stdout: (t) => {
          log += t
        },
        stderr: (t) => {
          log += t
        },
        system: (t) => {
          log += redactor.redact(t)
        },
      },
      emit: (event) => {
        events.push(JSON.parse(redactor.redact(JSON.stringify(event))))
      },
      addSecret: (secret) => void redactor.add(secret),
      redact: (text) => redactor.redact(text),
      signal: options.signal ?? new AbortController().signal,
      timeoutMs: options.timeoutMs ?? 60_000,
    })
    return { result, error: null, events, log, durationMs: performance.now() - started }
  } catch (error) {
    return { result: null, error: error as Error, events, log, durationMs: performance.now() - started }
  }
}

/** The tool results the model was sent in a request (Chat Completions `tool` messages), by call id. */
export function chatToolResults(body: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>()
  for (const message of (body.messages as { role: string; tool_call_id?: string; content?: unknown }[]) ?? [])
    if (message.role === 'tool' && message.tool_call_id)
      out.set(
        message.tool_call_id,
        typeof message.content === 'string' ? message.content : JSON.stringify(message.content),
      )
  return out
}
