import type { Agent } from '@agent-squad/contract'
import type { squadMembers } from '../db/schema.ts'

export type AgentRow = typeof squadMembers.$inferSelect

export const toAgentDto = (row: AgentRow): Agent => ({
  id: row.id,
  squad_id: row.squadId,
  name: row.name,
  role: row.role,
  specialization: row.specialization,
  llm_provider: row.llmProvider as Agent['llm_provider'],
  llm_model: row.llmModel,
  system_prompt: row.systemPrompt,
  config: row.config,
  is_active: row.isActive,
  sandbox_id: row.sandboxId,
  current_task_id: row.currentTaskId,
  git_context: row.gitContext,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
})
