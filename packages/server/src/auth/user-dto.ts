import type { ApiToken, User } from '@agent-squad/contract'
import type { apiTokens, users } from '../db/schema.ts'

export const toUserDto = (row: typeof users.$inferSelect): User => ({
  id: row.id,
  name: row.name,
  is_admin: row.isAdmin,
  created_at: row.createdAt.toISOString(),
})

export const toTokenDto = (row: typeof apiTokens.$inferSelect): ApiToken => ({
  id: row.id,
  user_id: row.userId,
  name: row.name,
  prefix: row.prefix,
  created_at: row.createdAt.toISOString(),
  last_used_at: row.lastUsedAt?.toISOString() ?? null,
  expires_at: row.expiresAt?.toISOString() ?? null,
})
