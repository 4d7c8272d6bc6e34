import { and, eq, isNull } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { apiTokens } from '../db/schema.ts'
import { notFound } from '../domain/errors.ts'
import type { AuthUser } from './auth-user.ts'

export async function revokeToken(options: {
  db: Executor
  actor: AuthUser
  tokenId: string
}): Promise<void> {
  const rows = await options.db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(apiTokens.id, options.tokenId),
        eq(apiTokens.userId, options.actor.id),
        isNull(apiTokens.revokedAt),
      ),
    )
    .returning({ id: apiTokens.id })
  if (rows.length === 0) throw notFound('Token', options.tokenId)
}
