import type { RepoRef } from '../forge/forge.ts'
import type { RepositoryRow } from './repository-dto.ts'

/** What a forge needs to know of a repository row. */
export const repoRefOf = (row: RepositoryRow): RepoRef => ({
  id: row.id,
  squadId: row.squadId,
  name: row.name,
  kind: row.kind,
  url: row.url,
  defaultBranch: row.defaultBranch,
  credentialSecret: row.credentialSecret,
  github: row.github ? { repo: row.github.repo, auth: row.github.auth, baseUrl: row.github.base_url } : null,
})
