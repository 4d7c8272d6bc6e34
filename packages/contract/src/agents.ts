import { z } from 'zod'
import { Id, JsonObject, Timestamp, trimmed } from './common.ts'

/** Roles the UI offers; any other short slug is accepted too, so teams can name their own. */
export const knownRoles = ['lead', 'backend', 'frontend', 'fullstack', 'qa', 'reviewer', 'devops'] as const
export const Role = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be a lowercase slug such as "backend" (a-z, 0-9, "-", "_")')

/** Where an agent's work comes from: a model provider, an external agent CLI, or the script runner. */
export const llmProviders = [
  'openai',
  'anthropic',
  'openai-compatible',
  'script',
  'claude-code',
  'codex',
  'opencode',
  'aider',
  'gemini-cli',
] as const
export const LlmProvider = z.enum(llmProviders)
export type LlmProvider = z.infer<typeof LlmProvider>

export const Agent = z.object({
  id: Id,
  squad_id: Id,
  name: z.string(),
  role: z.string(),
  specialization: z.string(),
  llm_provider: LlmProvider,
  llm_model: z.string(),
  system_prompt: z.string(),
  config: JsonObject,
  is_active: z.boolean(),
  sandbox_id: Id.nullable(),
  current_task_id: Id.nullable(),
  git_context: JsonObject,
  created_at: Timestamp,
  updated_at: Timestamp,
})
export type Agent = z.infer<typeof Agent>

export const CreateAgentBody = z.strictObject({
  name: trimmed(1, 100, 'Name'),
  role: Role,
  specialization: z.string().max(200).default(''),
  llm_provider: LlmProvider.default('script'),
  llm_model: z.string().trim().max(200).default(''),
  system_prompt: z.string().max(100_000).default(''),
  config: JsonObject.default({}),
  is_active: z.boolean().default(true),
})
export type CreateAgentBody = z.infer<typeof CreateAgentBody>

export const UpdateAgentBody = z.strictObject({
  name: trimmed(1, 100, 'Name').optional(),
  role: Role.optional(),
  specialization: z.string().max(200).optional(),
  llm_provider: LlmProvider.optional(),
  llm_model: z.string().trim().max(200).optional(),
  system_prompt: z.string().max(100_000).optional(),
  config: JsonObject.optional(),
  is_active: z.boolean().optional(),
})
export type UpdateAgentBody = z.infer<typeof UpdateAgentBody>

/** Query strings are text, so `is_active` arrives as "true"/"false" and becomes a boolean here. */
export const AgentListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
  role: Role.optional(),
  is_active: z
    .enum(['true', 'false'], { error: 'must be "true" or "false"' })
    .transform((v) => v === 'true')
    .optional(),
})
export type AgentListQuery = z.infer<typeof AgentListQuery>
