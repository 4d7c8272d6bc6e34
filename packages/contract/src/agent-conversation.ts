import { z } from 'zod'

/**
 * What an agent says and does while it works, whichever runtime drives it (the built-in LLM tool
 * loop or an external agent CLI such as Claude Code or Codex). Every payload names its `runtime`
 * (an agent `llm_provider`, e.g. `claude-code`), so a viewer can tell where a conversation came from.
 * Text is redacted and truncated by the server before it is stored.
 */
const runtime = z.string().max(100)

/** Text the agent wrote for people to read: a plan, a progress note, its final summary. */
export const AgentMessagePayload = z.object({ runtime, text: z.string() })
export type AgentMessagePayload = z.infer<typeof AgentMessagePayload>

/** The agent's visible reasoning (a thinking summary), when its runtime shows one. */
export const AgentReasoningPayload = z.object({ runtime, text: z.string() })
export type AgentReasoningPayload = z.infer<typeof AgentReasoningPayload>

export const toolCallStatuses = ['started', 'succeeded', 'failed'] as const
export const ToolCallStatus = z.enum(toolCallStatuses)
export type ToolCallStatus = z.infer<typeof ToolCallStatus>

/**
 * One tool the agent used (a shell command, a file edit, a search). A call that takes time appears
 * twice with the same `call_id`: `started` with its input, then `succeeded` or `failed` with its output.
 */
export const AgentToolCallPayload = z.object({
  runtime,
  /** The runtime's id of the call; null when it gives none. */
  call_id: z.string().nullable(),
  /** The tool's name as the runtime calls it (`Bash`, `Edit`, `command_execution`, `edit`). */
  tool: z.string(),
  /** The tool's arguments as the runtime gave them (JSON). */
  input: z.unknown(),
  status: ToolCallStatus,
  /** What the tool returned (or why it failed); null while started. */
  output: z.string().nullable(),
})
export type AgentToolCallPayload = z.infer<typeof AgentToolCallPayload>

/** Tokens (and cost, when the runtime reports it) of one turn or of the whole run, as reported. */
export const AgentUsagePayload = z.object({
  runtime,
  model: z.string().nullable(),
  input_tokens: z.number().nonnegative().nullable(),
  output_tokens: z.number().nonnegative().nullable(),
  /** Input tokens served from the provider's prompt cache (a part of `input_tokens` or extra, as the runtime counts). */
  cached_input_tokens: z.number().nonnegative().nullable(),
  cost_usd: z.number().nonnegative().nullable(),
})
export type AgentUsagePayload = z.infer<typeof AgentUsagePayload>
