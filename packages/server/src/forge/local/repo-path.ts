import { join } from 'node:path'
import { Id, RepositoryName } from '@agent-squad/contract'

/**
 * True when `name` is a repository name the contract accepts, exactly as written (no trimming): it
 * then has no "/", no "..", no leading "-" or ".", so it is safe as one path segment.
 */
export const isRepositoryName = (name: string) => RepositoryName.safeParse(name).data === name

/** The bare repository of `repo` on disk: `<root>/<squadId>/<name>.git`. Refuses unsafe names. */
export function bareRepoPath(root: string, repo: { squadId: string; name: string }): string {
  if (!Id.safeParse(repo.squadId).success) throw new Error(`invalid squad id ${JSON.stringify(repo.squadId)}`)
  if (!isRepositoryName(repo.name)) throw new Error(`invalid repository name ${JSON.stringify(repo.name)}`)
  return join(root, repo.squadId, `${repo.name}.git`)
}
