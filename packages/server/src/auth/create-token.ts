import type { CreatedToken, CreateTokenBody } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import type { Executor } from '../db/database.ts'
import { apiTokens, users } from '../db/schema.ts'
import { AppError, notFound } from '../domain/errors.ts'
import { newId } from '../domain/ids.ts'
import type { AuthUser } from './auth-user.ts'
import { isReservedTokenName } from './token-names.ts'
import { displayPrefix, generateToken, hashToken } from './tokens.ts'
import { toTokenDto } from './user-dto.ts'

/** Mints a token; the plain value is returned here once and only its hash is stored. */
export async function createToken(options: {
  db: Executor
  actor: AuthUser
  input: CreateTokenBody
}): Promise<CreatedToken> {
  const { db, actor, input } = options
  const userId = input.user_id ?? actor.id
  if (userId !== actor.id && !actor.isAdmin)
    throw new AppError('forbidden', 'Only an admin can create a token for another user')
  // Those names mark the tokens the server mints for git, which the API and git narrow by name.
  if (isReservedTokenName(input.name))
    throw new AppError(
      'validation_failed',
      'Token names starting with "execution:" or "forge:" are reserved for the tokens the server mints',
    )
  const [owner] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId))
  if (!owner) throw notFound('User', userId)
  const token = generateToken()
  const expiresAt = input.expires_in_days ? new Date(Date.now() + input.expires_in_days * 86_400_000) : null
  const [row] = await db
    .insert(apiTokens)
    .values({
      id: newId(),
      userId,
      name: input.name,
      tokenHash: hashToken(token),
      prefix: displayPrefix(token),
      expiresAt,
    })
    .returning()
  if (!row) throw new Error('insert returned no row')
  return { ...toTokenDto(row), token }
}
