import type { Repository } from '@agent-squad/contract'
import type { repositories } from '../db/schema.ts'
import { localCloneUrl } from './clone-url.ts'

export type RepositoryRow = typeof repositories.$inferSelect

/**
 * `clone_url` is derived, not stored: a local repository's URL follows the server's current public
 * address (SQUAD_PUBLIC_URL can change), and a remote one is cloned from its own URL.
 */
export const toRepositoryDto = (row: RepositoryRow, gitBaseUrl: string): Repository => ({
  id: row.id,
  squad_id: row.squadId,
  name: row.name,
  kind: row.kind as Repository['kind'],
  url: row.url,
  clone_url: row.kind === 'local' ? localCloneUrl(gitBaseUrl, row.squadId, row.name) : row.url,
  default_branch: row.defaultBranch,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
})
