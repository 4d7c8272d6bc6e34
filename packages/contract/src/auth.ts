import { z } from 'zod'
import { Id, Timestamp, trimmed } from './common.ts'

export const User = z.object({
  id: Id,
  name: z.string(),
  is_admin: z.boolean(),
  created_at: Timestamp,
})
export type User = z.infer<typeof User>

export const CreateUserBody = z.strictObject({
  name: trimmed(1, 100, 'Name'),
  is_admin: z.boolean().default(false),
})
export type CreateUserBody = z.infer<typeof CreateUserBody>

export const ApiToken = z.object({
  id: Id,
  user_id: Id,
  name: z.string(),
  /** The first characters of the token, so a user can tell tokens apart; never enough to use it. */
  prefix: z.string(),
  created_at: Timestamp,
  last_used_at: Timestamp.nullable(),
  expires_at: Timestamp.nullable(),
})
export type ApiToken = z.infer<typeof ApiToken>

export const CreateTokenBody = z.strictObject({
  name: trimmed(1, 100, 'Name'),
  /** Admins may mint a token for another user; everyone else gets one for themselves. */
  user_id: Id.optional(),
  expires_in_days: z.number().int().min(1).max(3650).optional(),
})
export type CreateTokenBody = z.infer<typeof CreateTokenBody>

/** The plain token appears in this one response and nowhere else; the server keeps only its hash. */
export const CreatedToken = ApiToken.extend({ token: z.string() })
export type CreatedToken = z.infer<typeof CreatedToken>
