import type { Repository } from '@agent-squad/contract'
import type { repositories } from '../db/schema.ts'
import { gitHubWebUrl } from '../forge/github-urls.ts'
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
  kind: row.kind,
  url: row.url,
  clone_url: row.kind === 'local' ? localCloneUrl(gitBaseUrl, row.squadId, row.name) : row.url,
  default_branch: row.defaultBranch,
  credential_secret: row.credentialSecret,
  github: row.github
    ? {
        repo: row.github.repo,
        auth: row.github.auth,
        base_url: row.github.base_url,
        html_url: `${gitHubWebUrl(row.github.base_url)}/${row.github.repo}`,
      }
    : null,
  check: row.lastCheck ?? null,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
})
