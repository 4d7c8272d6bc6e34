import { CODEOWNERS_PATHS, type CodeOwnersRule, parseCodeOwners } from './codeowners.ts'
import type { GitHubRepo } from './github-auth.ts'
import type { GitHubClient } from './github-client.ts'
import { firstExisting, TEMPLATE_PATHS } from './pull-request-body.ts'

/** What a pull request takes from the base commit: its template and its code owners. */
export type RepoFiles = {
  template: { path: string; text: string } | null
  codeOwners: { path: string; rules: CodeOwnersRule[] } | null
}

type Entry = { path: string; type: string; sha: string }

const LIMIT = 500

/**
 * Caches a lookup in a Map that forgets its oldest entry past LIMIT (the values are
 * content-addressed, so any may go) and a failed one at once (the next call asks again).
 */
function remember<V>(map: Map<string, Promise<V>>, key: string, load: () => Promise<V>): Promise<V> {
  const cached = map.get(key)
  if (cached) return cached
  const value = load()
  map.set(key, value)
  value.catch(() => {
    if (map.get(key) === value) map.delete(key)
  })
  if (map.size > LIMIT) map.delete(map.keys().next().value as string)
  return value
}

const repoKey = (repo: GitHubRepo) => `${repo.baseUrl ?? ''}|${repo.owner}/${repo.name}`

/**
 * Reads the pull request template and CODEOWNERS of a commit with as few requests as possible: the
 * commit's root tree, the `.github` and `docs` trees only when a candidate could be there, and the
 * two files' blobs. Everything is cached by git object id (immutable): the answer per commit, and
 * trees and blobs by sha, so a new commit that did not touch `.github` costs one request.
 */
export function createRepoFiles() {
  const byCommit = new Map<string, Promise<RepoFiles>>()
  const trees = new Map<string, Promise<Entry[]>>()
  const blobs = new Map<string, Promise<string>>()

  const tree = (api: GitHubClient, repo: GitHubRepo, sha: string) =>
    remember(trees, `${repoKey(repo)}@${sha}`, () =>
      api
        .request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
          owner: repo.owner,
          repo: repo.name,
          tree_sha: sha,
        })
        .then(({ data }) =>
          data.tree.map((e) => ({ path: e.path ?? '', type: e.type ?? '', sha: e.sha ?? '' })),
        ),
    )

  const blob = (api: GitHubClient, repo: GitHubRepo, sha: string) =>
    remember(blobs, `${repoKey(repo)}@${sha}`, () =>
      api
        .request('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', {
          owner: repo.owner,
          repo: repo.name,
          file_sha: sha,
        })
        .then(({ data }) =>
          Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8'),
        ),
    )

  async function load(api: GitHubClient, repo: GitHubRepo, commit: string): Promise<RepoFiles> {
    const wanted = [...TEMPLATE_PATHS, ...CODEOWNERS_PATHS]
    const files = new Map<string, string>() // path -> blob sha
    const root = await tree(api, repo, commit)
    for (const entry of root) {
      if (entry.type === 'blob') files.set(entry.path, entry.sha)
      else if (entry.type === 'tree' && wanted.some((path) => path.startsWith(`${entry.path}/`)))
        for (const inner of await tree(api, repo, entry.sha))
          if (inner.type === 'blob') files.set(`${entry.path}/${inner.path}`, inner.sha)
    }
    const templatePath = firstExisting(TEMPLATE_PATHS, files.keys())
    const ownersPath = firstExisting(CODEOWNERS_PATHS, files.keys())
    const [template, owners] = await Promise.all([
      templatePath ? blob(api, repo, files.get(templatePath) ?? '') : null,
      ownersPath ? blob(api, repo, files.get(ownersPath) ?? '') : null,
    ])
    return {
      template: templatePath && template !== null ? { path: templatePath, text: template } : null,
      codeOwners: ownersPath && owners !== null ? { path: ownersPath, rules: parseCodeOwners(owners) } : null,
    }
  }

  return {
    /** The template and code owners at `commit` (the base branch's head). */
    read: (api: GitHubClient, repo: GitHubRepo, commit: string): Promise<RepoFiles> =>
      remember(byCommit, `${repoKey(repo)}@${commit}`, () => load(api, repo, commit)),
  }
}

export type RepoFilesCache = ReturnType<typeof createRepoFiles>
