/**
 * What a token's name says about it. The server mints tokens for git under reserved names, and the
 * API and git smart HTTP narrow those tokens by name: an execution's token is for that execution's
 * git commands only (git-http.ts, http/authenticate.ts).
 */

/** The name a git token is stored under: one execution's, or the squad's when there is no execution. */
export const gitTokenName = (purpose: { squadId: string; executionId?: string | undefined }) =>
  purpose.executionId ? `execution:${purpose.executionId}` : `forge:${purpose.squadId}`

/** The execution a token was minted for, from its name; null for every other token. */
export function executionOfToken(tokenName: string): string | null {
  return tokenName.startsWith('execution:') ? tokenName.slice('execution:'.length) : null
}

/** Names the server mints tokens under; a person's token may not take one (see createToken). */
export const isReservedTokenName = (name: string) => /^(execution|forge):/.test(name)
