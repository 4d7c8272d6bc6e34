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

/**
 * The root folder's path: Octokit drops an empty `{path}` with its slash (`…/contents`), which is
 * not the documented route; `.` is a dot segment that the URL parser turns into `…/contents/`.
 */
const ROOT = '.'

const repoKey = (repo: GitHubRepo) => `${repo.baseUrl ?? ''}|${repo.owner}/${repo.name}`

/**
 * Reads the pull request template and CODEOWNERS of a commit with few requests, through the
 * contents API: the commit's root listing, the `.github` and `docs` listings only when a candidate
 * could be there, and the two files. Cached by git object id (immutable): the answer per commit,
 * folder listings by the folder's tree sha and files by blob sha, so a new base commit that did not
 * touch `.github` costs one request (the root listing).
 */
export function createRepoFiles() {
  const byCommit = new Map<string, Promise<RepoFiles>>()
  const folders = new Map<string, Promise<Entry[]>>()
  const blobs = new Map<string, Promise<string>>()

  const contents = (api: GitHubClient, repo: GitHubRepo, path: string, commit: string) =>
    api.request('GET /repos/{owner}/{repo}/contents/{path}', {
      owner: repo.owner,
      repo: repo.name,
      path: path || ROOT,
      ref: commit,
    })

  const listing = async (
    api: GitHubClient,
    repo: GitHubRepo,
    path: string,
    commit: string,
  ): Promise<Entry[]> => {
    const { data } = await contents(api, repo, path, commit)
    return (Array.isArray(data) ? data : []).map((e) => ({ path: e.path, type: e.type, sha: e.sha }))
  }

  const folder = (api: GitHubClient, repo: GitHubRepo, entry: Entry, commit: string) =>
    remember(folders, `${repoKey(repo)}@${entry.sha}`, () => listing(api, repo, entry.path, commit))

  const file = (api: GitHubClient, repo: GitHubRepo, entry: Entry, commit: string) =>
    remember(blobs, `${repoKey(repo)}@${entry.sha}`, async () => {
      const { data } = await contents(api, repo, entry.path, commit)
      if (Array.isArray(data) || !('content' in data) || typeof data.content !== 'string') return ''
      return Buffer.from(data.content, 'base64').toString('utf8')
    })

  async function load(api: GitHubClient, repo: GitHubRepo, commit: string): Promise<RepoFiles> {
    const wanted = [...TEMPLATE_PATHS, ...CODEOWNERS_PATHS]
    const files = new Map<string, Entry>()
    for (const entry of await listing(api, repo, '', commit)) {
      if (entry.type === 'file') files.set(entry.path, entry)
      else if (entry.type === 'dir' && wanted.some((path) => path.startsWith(`${entry.path}/`)))
        for (const inner of await folder(api, repo, entry, commit))
          if (inner.type === 'file') files.set(inner.path, inner)
    }
    const templateEntry = files.get(firstExisting(TEMPLATE_PATHS, files.keys()) ?? '')
    const ownersEntry = files.get(firstExisting(CODEOWNERS_PATHS, files.keys()) ?? '')
    const [template, owners] = await Promise.all([
      templateEntry ? file(api, repo, templateEntry, commit) : null,
      ownersEntry ? file(api, repo, ownersEntry, commit) : null,
    ])
    return {
      template: templateEntry && template !== null ? { path: templateEntry.path, text: template } : null,
      codeOwners:
        ownersEntry && owners !== null ? { path: ownersEntry.path, rules: parseCodeOwners(owners) } : null,
    }
  }

  return {
    /** The template and code owners at `commit` (the base branch's head). */
    read: (api: GitHubClient, repo: GitHubRepo, commit: string): Promise<RepoFiles> =>
      remember(byCommit, `${repoKey(repo)}@${commit}`, () => load(api, repo, commit)),
  }
}

export type RepoFilesCache = ReturnType<typeof createRepoFiles>
