import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import type { AuthUser } from '../auth/auth-user.ts'
import { findTokenOwner } from '../auth/authenticate-token.ts'
import { executionOfToken } from '../auth/token-names.ts'
import { AppError } from '../domain/errors.ts'
import type { AppDeps } from './deps.ts'

export type TokenSources = {
  /**
   * Whether `?access_token=` counts: only on the event streams, as `EventSource` cannot send a
   * header. A token in a URL ends up in logs and browser history, so everywhere else it is refused.
   */
  query?: boolean
}

/** Where a token may come from: the header (API, git), a cookie (the web app), or `access_token` (EventSource). */
export function tokenOf(c: Context, sources: TokenSources = {}): string | null {
  const header = c.req.header('authorization')
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    if (!match?.[1]) throw new AppError('unauthorized', 'Authorization header must be "Bearer <token>"')
    return match[1]
  }
  const query = c.req.query('access_token')
  if (query !== undefined && !sources.query)
    throw new AppError(
      'unauthorized',
      'access_token in the query string is accepted only by the event streams (/api/v1/sse/…), where ' +
        'a browser cannot send a header: send "Authorization: Bearer <token>" instead',
    )
  return getCookie(c, 'squad_token') ?? query ?? null
}

/**
 * The user behind a request. With auth off (loopback, no users) everyone is the local user; a token,
 * when sent anyway, is still checked so a client always acts as who it says it is. A token minted
 * for one execution's git commands is refused: it is for git smart HTTP only.
 */
export async function authenticate(c: Context, deps: AppDeps, sources: TokenSources = {}): Promise<AuthUser> {
  const token = tokenOf(c, sources)
  if (!token) {
    if (deps.authMode === 'none') return deps.localUser
    throw new AppError('unauthorized', 'This server requires a token: send "Authorization: Bearer <token>"')
  }
  const owner = await findTokenOwner(deps.database.db, token)
  if (!owner) throw new AppError('unauthorized', 'The token is unknown, revoked or expired')
  if (executionOfToken(owner.tokenName))
    throw new AppError(
      'unauthorized',
      "This token was minted for one execution's git commands; the API does not accept it",
    )
  return owner.user
}
