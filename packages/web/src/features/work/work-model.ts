import type {
  ConnectionBlocked,
  Execution,
  ExecutionOverlap,
  ExecutionStep,
  ExecutionWarning,
  GitProgress,
  PullRequest,
  SandboxState,
  StreamEvent,
} from '@agent-squad/contract'
import { type ConversationState, emptyConversation, reduceConversation } from './conversation-model.ts'

/** What the execution's stream has said so far, apart from the log (which goes straight to the terminal). */
export type WorkState = {
  steps: Record<string, ExecutionStep>
  git: Partial<Record<GitProgress['operation'], GitProgress>>
  sandbox: SandboxState | null
  execution: Execution | null
  pullRequest: PullRequest | null
  /** Other runs on the same repository changing the same files, one entry per other execution. */
  overlaps: ExecutionOverlap[]
  /** Connections the sandbox's network policy refused, one per destination, in order. */
  blocked: ConnectionBlocked[]
  /** What the pipeline could not do but ran without (submodules it could not reach, LFS content). */
  warnings: ExecutionWarning[]
  /** The agent's messages, tool calls, reasoning and usage. */
  conversation: ConversationState
}

export const emptyWork: WorkState = {
  steps: {},
  git: {},
  sandbox: null,
  execution: null,
  pullRequest: null,
  overlaps: [],
  blocked: [],
  warnings: [],
  conversation: emptyConversation,
}

const newer = (a: { updated_at: string } | null, b: { updated_at: string }) =>
  !a || Date.parse(b.updated_at) >= Date.parse(a.updated_at)

/** Folds a batch of events (in stream order) into the state; returns the same object when nothing changed. */
export function reduceWork(state: WorkState, events: readonly StreamEvent[]): WorkState {
  let next = state
  const edit = () => {
    if (next === state) next = { ...state }
    return next
  }
  for (const event of events) {
    switch (event.type) {
      case 'step.updated':
        edit().steps = { ...next.steps, [event.payload.name]: event.payload }
        break
      case 'git.progress':
        edit().git = { ...next.git, [event.payload.operation]: event.payload }
        break
      case 'sandbox.updated':
        edit().sandbox = event.payload
        break
      case 'execution.created':
      case 'execution.updated':
        if (newer(next.execution, event.payload)) edit().execution = event.payload
        break
      case 'pull_request.opened':
      case 'pull_request.updated':
      case 'pull_request.merged':
        if (newer(next.pullRequest, event.payload)) edit().pullRequest = event.payload
        break
      case 'execution.overlap': {
        // The latest word on each other execution replaces the earlier one (its files only grow).
        const { other_execution_id } = event.payload
        const rest = next.overlaps.filter((o) => o.other_execution_id !== other_execution_id)
        edit().overlaps = [...rest, event.payload]
        break
      }
      case 'sandbox.connection_blocked': {
        const { host, port } = event.payload
        if (!next.blocked.some((b) => b.host === host && b.port === port))
          edit().blocked = [...next.blocked, event.payload]
        break
      }
      case 'execution.warning': {
        // A resumed run may say the same again: one entry per distinct warning.
        const { kind, message } = event.payload
        if (!next.warnings.some((w) => w.kind === kind && w.message === message))
          edit().warnings = [...next.warnings, event.payload]
        break
      }
      default:
        break
    }
  }
  const conversation = reduceConversation(state.conversation, events)
  if (conversation !== state.conversation) edit().conversation = conversation
  return next
}

/** Steps in pipeline order: the stream's latest word on each, else what the execution was loaded with. */
export function mergeSteps(
  loaded: readonly ExecutionStep[],
  live: Record<string, ExecutionStep>,
): ExecutionStep[] {
  const names = new Set([...loaded.map((s) => s.name), ...Object.keys(live)])
  const order = loaded.map((s) => s.name)
  return [...names]
    .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99))
    .map((name) => live[name] ?? (loaded.find((s) => s.name === name) as ExecutionStep))
}
