import { and, eq, isNull } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { apiTokens, users } from '../db/schema.ts'
import type { AuthUser } from './auth-user.ts'
import { hashToken } from './tokens.ts'

const LAST_USED_RESOLUTION_MS = 60_000

/** A valid token's user, and the token's name (which says what it was minted for, see forge/local/git-token.ts). */
export type TokenOwner = { user: AuthUser; tokenName: string }

/** The user a bearer token belongs to, or null when it is unknown, revoked or expired. */
export async function authenticateToken(db: Executor, token: string): Promise<AuthUser | null> {
  return (await findTokenOwner(db, token))?.user ?? null
}

/** Like authenticateToken, with the token's name: the API and git refuse or narrow some tokens by it. */
export async function findTokenOwner(db: Executor, token: string): Promise<TokenOwner | null> {
  const [row] = await db
    .select({
      tokenId: apiTokens.id,
      tokenName: apiTokens.name,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      id: users.id,
      name: users.name,
      isAdmin: users.isAdmin,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)))
  if (!row) return null
  const now = Date.now()
  if (row.expiresAt && row.expiresAt.getTime() <= now) return null
  // Write last_used_at at most once a minute so reads stay reads.
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS)
    await db
      .update(apiTokens)
      .set({ lastUsedAt: new Date(now) })
      .where(eq(apiTokens.id, row.tokenId))
  return { user: { id: row.id, name: row.name, isAdmin: row.isAdmin }, tokenName: row.tokenName }
}
