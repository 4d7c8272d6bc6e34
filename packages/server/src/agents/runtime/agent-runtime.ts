import type { CommitType } from '../../git/conventional-commit.ts'
import type { Sandbox } from '../../sandbox/sandbox-provider.ts'

/** Where an agent's output goes: every line reaches the terminal log (redacted, coalesced). */
export type AgentLog = {
  stdout(text: string): void
  stderr(text: string): void
  system(text: string): void
}

export type AgentRunInput = {
  sandbox: Sandbox
  /** The workspace inside the sandbox, checked out on the task's branch. */
  workdir: string
  task: {
    id: string
    number: number
    title: string
    description: string
    labels: string[]
    script: string | null
  }
  agent: {
    id: string | null
    name: string
    role: string
    llmProvider: string
    llmModel: string
    systemPrompt: string
    config: Record<string, unknown>
  }
  log: AgentLog
  signal: AbortSignal
  /** Wall-clock budget for the whole agent step. */
  timeoutMs: number
}

export type AgentRunResult = {
  /** What was done, in a few sentences: becomes the commit body and the PR summary. */
  summary: string
  commitType?: CommitType
  commitScope?: string | null
  /** Subject for the commit; the task title when absent. */
  commitSubject?: string
}

/**
 * The agent port. Adapters: script/script-agent.ts (runs the task's commands; no model), the
 * built-in LLM tool loop and external agent CLIs. An agent edits files in the sandbox; the pipeline,
 * not the agent, commits, pushes and opens the pull request.
 */
export type AgentRuntime = {
  readonly kind: string
  run(input: AgentRunInput): Promise<AgentRunResult>
}
