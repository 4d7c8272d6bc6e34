import { and, eq, isNull } from 'drizzle-orm'
import { gitTokenName } from '../../auth/token-names.ts'
import { displayPrefix, generateToken, hashToken } from '../../auth/tokens.ts'
import type { Executor } from '../../db/database.ts'
import { apiTokens, squads } from '../../db/schema.ts'
import { notFound } from '../../domain/errors.ts'
import { newId } from '../../domain/ids.ts'

/** How long a token minted for one execution's git commands stays valid. */
export const GIT_TOKEN_TTL_MS = 4 * 60 * 60 * 1000

/**
 * Mints a short-lived API token for the squad's owner, so an execution's git commands can clone and
 * push over smart HTTP as that user. Stored hashed in api_tokens like every other token. The
 * pipeline revokes it at cleanup with revokeGitTokens; if it never does, the token expires.
 */
export async function mintGitToken(
  db: Executor,
  purpose: { squadId: string; executionId?: string | undefined },
  ttlMs = GIT_TOKEN_TTL_MS,
): Promise<string> {
  const [squad] = await db
    .select({ userId: squads.userId })
    .from(squads)
    .where(eq(squads.id, purpose.squadId))
  if (!squad) throw notFound('Squad', purpose.squadId)
  const token = generateToken()
  await db.insert(apiTokens).values({
    id: newId(),
    userId: squad.userId,
    name: gitTokenName(purpose),
    tokenHash: hashToken(token),
    prefix: displayPrefix(token),
    expiresAt: new Date(Date.now() + ttlMs),
  })
  return token
}

/** Revokes every git token minted for `executionId` (the pipeline's cleanup step). Idempotent. */
export async function revokeGitTokens(db: Executor, executionId: string): Promise<number> {
  const rows = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.name, gitTokenName({ squadId: '', executionId })), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id })
  return rows.length
}
