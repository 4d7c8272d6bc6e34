import type { Squad, SquadConfig } from '@agent-squad/contract'
import type { squads } from '../db/schema.ts'

export type SquadRow = typeof squads.$inferSelect

export const toSquadDto = (row: SquadRow): Squad => ({
  id: row.id,
  user_id: row.userId,
  org_id: row.orgId,
  name: row.name,
  description: row.description,
  status: row.status as Squad['status'],
  config: row.config as SquadConfig,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
})
