import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import type { AuthUser } from '../auth/auth-user.ts'
import { authenticateToken } from '../auth/authenticate-token.ts'
import { AppError } from '../domain/errors.ts'
import type { AppDeps } from './deps.ts'

/** Where a token may come from: the header (API, git), a cookie (the web app), or `access_token` (EventSource). */
export function tokenOf(c: Context): string | null {
  const header = c.req.header('authorization')
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    if (!match?.[1]) throw new AppError('unauthorized', 'Authorization header must be "Bearer <token>"')
    return match[1]
  }
  return getCookie(c, 'squad_token') ?? c.req.query('access_token') ?? null
}

/**
 * The user behind a request. With auth off (loopback, no users) everyone is the local user; a token,
 * when sent anyway, is still checked so a client always acts as who it says it is.
 */
export async function authenticate(c: Context, deps: AppDeps): Promise<AuthUser> {
  const token = tokenOf(c)
  if (!token) {
    if (deps.authMode === 'none') return deps.localUser
    throw new AppError('unauthorized', 'This server requires a token: send "Authorization: Bearer <token>"')
  }
  const user = await authenticateToken(deps.database.db, token)
  if (!user) throw new AppError('unauthorized', 'The token is unknown, revoked or expired')
  return user
}
