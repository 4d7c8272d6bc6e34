import { z } from 'zod'
import {
  AgentMessagePayload,
  AgentReasoningPayload,
  AgentToolCallPayload,
  AgentUsagePayload,
} from './agent-conversation.ts'
import { Agent } from './agents.ts'
import { Id, Timestamp } from './common.ts'
import {
  ConnectionBlocked,
  Execution,
  ExecutionStep,
  ExecutionWarning,
  GitProgress,
  SandboxState,
} from './executions.ts'
import { PullRequest } from './pull-requests.ts'
import { Repository } from './repositories.ts'
import { ExecutionOverlap, Review } from './reviews.ts'
import { Squad } from './squads.ts'
import { Task, TaskStatus } from './tasks.ts'

/**
 * Who sees an event. `squad` and `task` events reach the squad's stream (the board);
 * `execution` events (log output, step details) only reach the task's and the execution's streams,
 * so a chatty command never floods the board.
 */
export const eventScopes = ['squad', 'task', 'execution'] as const
export const EventScope = z.enum(eventScopes)
export type EventScope = z.infer<typeof EventScope>

export type EventDefinition<T extends string = string, P extends z.ZodType = z.ZodType> = {
  type: T
  scope: EventScope
  payload: P
}

/** Defines an event once: its type string, who sees it and the zod schema of its payload. */
export const defineEvent = <T extends string, P extends z.ZodType>(
  type: T,
  scope: EventScope,
  payload: P,
): EventDefinition<T, P> => ({ type, scope, payload })

const Deleted = z.object({ id: Id })

export const events = {
  squadCreated: defineEvent('squad.created', 'squad', Squad),
  squadUpdated: defineEvent('squad.updated', 'squad', Squad),
  squadDeleted: defineEvent('squad.deleted', 'squad', Deleted),
  agentCreated: defineEvent('agent.created', 'squad', Agent),
  agentUpdated: defineEvent('agent.updated', 'squad', Agent),
  agentDeleted: defineEvent('agent.deleted', 'squad', Deleted),
  repositoryCreated: defineEvent('repository.created', 'squad', Repository),
  repositoryUpdated: defineEvent('repository.updated', 'squad', Repository),
  repositoryDeleted: defineEvent('repository.deleted', 'squad', Deleted),
  taskCreated: defineEvent('task.created', 'task', Task),
  taskUpdated: defineEvent('task.updated', 'task', Task),
  taskMoved: defineEvent(
    'task.moved',
    'task',
    z.object({
      task: Task,
      from_status: TaskStatus,
      from_position: z.number().int(),
    }),
  ),
  taskDeleted: defineEvent('task.deleted', 'task', Deleted),
  executionCreated: defineEvent('execution.created', 'task', Execution),
  executionUpdated: defineEvent('execution.updated', 'task', Execution),
  stepUpdated: defineEvent('step.updated', 'execution', ExecutionStep),
  gitProgress: defineEvent('git.progress', 'execution', GitProgress),
  sandboxUpdated: defineEvent('sandbox.updated', 'execution', SandboxState),
  /** The agent tried to reach a destination its sandbox's network policy does not allow. */
  connectionBlocked: defineEvent('sandbox.connection_blocked', 'execution', ConnectionBlocked),
  /** The run went on without something the repository has (its submodules, its LFS files' content). */
  executionWarning: defineEvent('execution.warning', 'execution', ExecutionWarning),
  /** Two running executions on one repository changed the same files (warned before anyone merges). */
  overlapWarning: defineEvent('execution.overlap', 'task', ExecutionOverlap),
  /** A review of a task's pull request, by the reviewer agent or a person. */
  reviewSubmitted: defineEvent('review.submitted', 'task', Review),
  // Task-scoped so they reach the task's stream when the PR has a task (task_id set) and, like every
  // non-execution event, the squad's stream either way.
  pullRequestOpened: defineEvent('pull_request.opened', 'task', PullRequest),
  pullRequestUpdated: defineEvent('pull_request.updated', 'task', PullRequest),
  pullRequestMerged: defineEvent('pull_request.merged', 'task', PullRequest),
  // The agent's conversation (see agent-conversation.ts): execution-scoped like the log it annotates.
  agentMessage: defineEvent('agent.message', 'execution', AgentMessagePayload),
  agentReasoning: defineEvent('agent.reasoning', 'execution', AgentReasoningPayload),
  agentToolCall: defineEvent('agent.tool_call', 'execution', AgentToolCallPayload),
  agentUsage: defineEvent('agent.usage', 'execution', AgentUsagePayload),
  log: defineEvent(
    'log',
    'execution',
    z.object({
      stream: z.enum(['stdout', 'stderr', 'system']),
      step: z.string().nullable(),
      /**
       * Which run of `step` printed it: the step's `attempt` (1 the first time). A step that a
       * resumed execution runs again after a restart is attempt 2, and so on, so its output can be
       * told from the earlier attempt's. Absent outside a step and on events stored before it existed.
       */
      attempt: z.number().int().positive().optional(),
      /**
       * `restart` on the one entry that opens a step's new attempt after a restart: a `system` line
       * of its own, "— the server restarted; the agent step runs again from the start (attempt 2) —".
       * Everything of that step before it belongs to earlier attempts.
       */
      boundary: z.enum(['restart']).optional(),
      text: z.string(),
    }),
  ),
} as const

type Definitions = (typeof events)[keyof typeof events]
export type EventType = Definitions['type']
export type EventPayload<T extends EventType> = z.infer<Extract<Definitions, { type: T }>['payload']>

export const eventsByType: ReadonlyMap<string, EventDefinition> = new Map(
  Object.values(events).map((d) => [d.type, d as EventDefinition]),
)
export const eventTypes = Object.values(events).map((d) => d.type) as EventType[]

const envelope = {
  id: z.number().int().positive(),
  scope: EventScope,
  squad_id: Id,
  task_id: Id.nullable(),
  execution_id: Id.nullable(),
  created_at: Timestamp,
}

/** One entry of the event log as the streams deliver it (the SSE `data:` of each event). */
export const StreamEvent = z.discriminatedUnion(
  'type',
  Object.values(events).map((d) =>
    z.object({ ...envelope, type: z.literal(d.type), payload: d.payload }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
)
export type StreamEvent = {
  [D in Definitions as D['type']]: {
    id: number
    type: D['type']
    scope: EventScope
    squad_id: string
    task_id: string | null
    execution_id: string | null
    created_at: string
    payload: z.infer<D['payload']>
  }
}[EventType]

/** Sent first on every stream (no `id:`, so it never moves a client's Last-Event-ID). */
export const ConnectedEvent = z.object({
  stream: z.string(),
  last_event_id: z.number().int().nullable(),
  /**
   * The client's Last-Event-ID is beyond this server's log (its data was reset or replaced): the
   * stream replays from the start, and the client should drop what it shows and rebuild from it.
   */
  reset: z.boolean().optional(),
  server_time: Timestamp,
  heartbeat_ms: z.number().int(),
})
export type ConnectedEvent = z.infer<typeof ConnectedEvent>
