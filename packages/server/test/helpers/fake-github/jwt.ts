import { type KeyObject, verify } from 'node:crypto'

// Verifies a GitHub App's JSON Web Token the way GitHub does: RS256 signed with the app's private key,
// `iss` the app id (or its client id), issued in the past and expiring at most ten minutes ahead.
// The messages are GitHub's own: @octokit/auth-app recognises two of them and retries with a
// corrected clock, so they have to be exact.

export type JwtCheck = { ok: true; iss: string } | { ok: false; message: string }

const SKEW_SECONDS = 60
const MAX_LIFETIME_SECONDS = 10 * 60

function decodePart(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)
}

export function verifyAppJwt(
  token: string,
  app: { id: number; clientId: string; publicKey: KeyObject },
  now: number = Date.now() / 1000,
): JwtCheck {
  const undecodable = { ok: false, message: 'A JSON web token could not be decoded' } as const
  const [head = '', body = '', signature = ''] = token.split('.')
  let header: unknown
  let claims: unknown
  try {
    header = decodePart(head)
    claims = decodePart(body)
  } catch {
    return undecodable
  }
  if (!isRecord(header) || !isRecord(claims) || header.alg !== 'RS256') return undecodable
  const signed = verify(
    'RSA-SHA256',
    Buffer.from(`${head}.${body}`),
    app.publicKey,
    Buffer.from(signature, 'base64url'),
  )
  if (!signed) return undecodable
  const { iat, exp, iss } = claims
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + SKEW_SECONDS)
    return {
      ok: false,
      message:
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.",
    }
  if (typeof exp !== 'number' || exp <= now)
    return {
      ok: false,
      message:
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.",
    }
  if (exp > now + MAX_LIFETIME_SECONDS + SKEW_SECONDS)
    return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future." }
  if (String(iss) !== String(app.id) && iss !== app.clientId)
    return {
      ok: false,
      message: `'Issuer' claim ('iss') must be an Integer or the client ID of a GitHub App`,
    }
  return { ok: true, iss: String(iss) }
}
