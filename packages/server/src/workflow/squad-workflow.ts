import type { SquadConfig } from '@agent-squad/contract'
import { and, asc, eq } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { squadMembers } from '../db/schema.ts'

export type AgentRow = typeof squadMembers.$inferSelect

/** Review rounds an agent may ask for before a human decides (squad setting `workflow.max_review_rounds`). */
export const DEFAULT_MAX_REVIEW_ROUNDS = 2
/** Subtasks one plan may create. */
export const MAX_SUBTASKS = 10

/** Roles whose members review pull requests in a team workflow. */
export const reviewerRoles: readonly string[] = ['reviewer', 'qa']

export type TeamWorkflow = {
  team: boolean
  maxReviewRounds: number
  /** Subtasks run one after another on the parent's branch, ending in one pull request. */
  chain: boolean
}

export const teamWorkflowOf = (config: SquadConfig | Record<string, unknown>): TeamWorkflow => {
  const workflow = (config as SquadConfig).workflow
  const team = workflow?.mode === 'team'
  return {
    team,
    maxReviewRounds: workflow?.max_review_rounds ?? DEFAULT_MAX_REVIEW_ROUNDS,
    chain: team && workflow?.subtasks === 'chain',
  }
}

/**
 * Planning and reviewing need a model: the built-in agent (it ends with split_task or submit_review)
 * or an agent CLI (it ends with a JSON block); the script runner only implements.
 */
export const canPlanAndReview = (agent: Pick<AgentRow, 'llmProvider'>) => agent.llmProvider !== 'script'

/** The squad's active members, oldest first (a stable order for picking who takes what). */
export const activeMembers = (tx: Executor, squadId: string) =>
  tx
    .select()
    .from(squadMembers)
    .where(and(eq(squadMembers.squadId, squadId), eq(squadMembers.isActive, true)))
    .orderBy(asc(squadMembers.createdAt), asc(squadMembers.id))

/** Who reviews an implementer's work: an active reviewer (or QA) agent other than the implementer. */
export async function findReviewer(tx: Executor, squadId: string, implementerId: string | null) {
  const members = await activeMembers(tx, squadId)
  return (
    members.find(
      (m) => reviewerRoles.includes(m.role.toLowerCase()) && m.id !== implementerId && canPlanAndReview(m),
    ) ?? null
  )
}
