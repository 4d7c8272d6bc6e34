import type { Secret } from '@agent-squad/contract'
import type { secrets } from '../db/schema.ts'

export type SecretRow = typeof secrets.$inferSelect

/** Name and dates only: a secret's value never leaves the server through the API. */
export const toSecretDto = (row: Pick<SecretRow, 'name' | 'createdAt' | 'updatedAt'>): Secret => ({
  name: row.name,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
})

/** What a stored value is bound to (GCM's associated data): a ciphertext moved to another row will not open. */
export const secretContext = (squadId: string, name: string) => `squad-secret:${squadId}:${name}`
