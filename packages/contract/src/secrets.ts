import { z } from 'zod'
import { page, Timestamp } from './common.ts'

/** Secrets are named like environment variables, which is how agents ask for them. */
export const SecretName = z
  .string()
  .regex(
    /^[A-Z_][A-Z0-9_]{0,63}$/,
    'must look like an environment variable: capital letters, digits and "_", not starting with a digit (at most 64)',
  )

/** The most a secret's value may hold, in UTF-8 bytes. */
export const MAX_SECRET_BYTES = 10 * 1024

/** What the API tells about a stored secret: never its value. */
export const Secret = z.object({
  name: z.string(),
  created_at: Timestamp,
  updated_at: Timestamp,
})
export type Secret = z.infer<typeof Secret>

/** A squad's secrets by name, all on one page (`next_cursor` is always null). */
export const SecretList = page(Secret)
export type SecretList = z.infer<typeof SecretList>

/** Creates the secret or replaces its value. */
export const PutSecretBody = z.strictObject({
  value: z
    .string()
    .min(1, 'must not be empty')
    .refine(
      (value) => new TextEncoder().encode(value).length <= MAX_SECRET_BYTES,
      `must be at most ${MAX_SECRET_BYTES} bytes`,
    ),
})
export type PutSecretBody = z.infer<typeof PutSecretBody>
