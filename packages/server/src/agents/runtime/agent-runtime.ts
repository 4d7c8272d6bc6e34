import type { EventPayload } from '@agent-squad/contract'
import type { CommitType } from '../../git/conventional-commit.ts'
import type { Sandbox } from '../../sandbox/sandbox-provider.ts'

/** Where an agent's output goes: every line reaches the terminal log (redacted, coalesced). */
export type AgentLog = {
  stdout(text: string): void
  stderr(text: string): void
  system(text: string): void
}

export type AgentEventType = 'agent.message' | 'agent.reasoning' | 'agent.tool_call' | 'agent.usage'

/** One step of the agent's conversation, as defined in the contract (agent-conversation.ts). */
export type AgentEvent = { [T in AgentEventType]: { type: T; payload: EventPayload<T> } }[AgentEventType]

/**
 * What the agent is asked to do: `implement` the task (edit files; the pipeline commits them),
 * `plan` it (split it into subtasks for the squad's roles; nothing is committed) or `review` the
 * pull request's change (approve or request changes; nothing is committed).
 */
export type AgentMode = 'implement' | 'plan' | 'review'

/** A subtask the lead proposes: the role names which kind of squad member takes it. */
export type PlannedSubtask = {
  title: string
  description: string
  role: string
  /** 1-based numbers of earlier subtasks of the plan that must be merged before this one starts. */
  after: number[]
}

export type AgentPlan = { summary: string; subtasks: PlannedSubtask[] }

export type AgentReview = {
  verdict: 'approved' | 'changes_requested'
  body: string
  comments: { path: string; line: number | null; body: string }[]
}

/** The part of a run that depends on its mode. */
export type AgentAssignment =
  | {
      mode: 'implement'
      /** Review feedback to address (a revision run), newest last; empty on a first run. */
      feedback: { author: string; body: string; comments: AgentReview['comments'] }[]
    }
  | {
      mode: 'plan'
      /** The roles the squad has, with who holds them: subtasks may only name these. */
      roles: { role: string; agents: string[] }[]
      maxSubtasks: number
    }
  | {
      mode: 'review'
      /** The change under review: the branch against the commit it started from. */
      base: string
      diff: string
      files: string[]
      round: number
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
    /** The branch the workspace is on (default `task-{number}`; a chain's subtask works on its parent's). */
    branch?: string
  }
  assignment: AgentAssignment
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
  /**
   * Appends one conversation event to the execution's event log. Never blocks: events are redacted,
   * truncated, validated and written in the order given, shortly after the log output before them.
   */
  emit(event: AgentEvent): void
  /**
   * Tells the people watching that something went wrong on the way though the run goes on (a CLI
   * that is not the tested version, a refused tool, a retried model stream): an `execution.warning`
   * on the Work page and a line in the log.
   */
  warn?(message: string): void
  /**
   * Makes this execution's redactor hide `secret` (in the log, events, errors and summary) from now
   * on: e.g. the model key an agent CLI gets in its environment.
   */
  addSecret(secret: string): void
  /**
   * Redacts text with this execution's redactor (every secret it knows): for what an agent passes
   * on outside the event log, e.g. tool output the built-in agent sends back to its model.
   */
  redact?(text: string): string
  /**
   * The squad's stored secrets by name (already known to the redactor): they act as environment
   * variables of the squad and win over the server's when an agent looks up its model key.
   */
  secrets?: (name: string) => string | undefined
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
  /** What the model work cost, when a model was used; stored in the agent step's result. */
  usage?: AgentUsage
  /** A `plan` run's subtasks. */
  plan?: AgentPlan
  /** A `review` run's verdict. */
  review?: AgentReview
}

/** Tokens and cost of an agent's model calls over the whole step (snake_case: stored as JSON). */
export type AgentUsage = {
  /** `provider/model`. */
  model: string
  /** Model calls made. */
  steps: number
  input_tokens: number
  output_tokens: number
  cached_input_tokens: number
  /** USD, when the model's price is known. */
  cost_usd: number | null
}

/**
 * The agent port. Adapters: script/script-agent.ts (runs the task's commands; no model), the
 * built-in LLM tool loop and external agent CLIs. An agent edits files in the sandbox; the pipeline,
 * not the agent, commits, pushes and opens the pull request.
 */
export type AgentRuntime = {
  readonly kind: string
  /** The modes it can work in; an adapter without `plan` or `review` only ever implements. */
  readonly modes: readonly AgentMode[]
  run(input: AgentRunInput): Promise<AgentRunResult>
}
