import type { ApiToken } from '@agent-squad/contract'
import { and, desc, eq, isNull } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { apiTokens } from '../db/schema.ts'
import type { AuthUser } from './auth-user.ts'
import { toTokenDto } from './user-dto.ts'

export async function listTokens(options: { db: Executor; actor: AuthUser }): Promise<ApiToken[]> {
  const rows = await options.db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, options.actor.id), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.id))
  return rows.map(toTokenDto)
}
