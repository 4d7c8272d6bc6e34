/**
 * Where a GitHub server lives, from the base URL a repository names: github.com when none (its API
 * on api.github.com), a GitHub Enterprise Server's own host otherwise (its API under /api/v3).
 * Plain functions so the repository DTO, the adapter and the webhook route agree on one reading.
 */
const GITHUB_WEB = 'https://github.com'
const GITHUB_API = 'https://api.github.com'

const trim = (url: string) => url.replace(/\/+$/, '')

export const gitHubWebUrl = (baseUrl: string | null | undefined): string =>
  baseUrl ? trim(baseUrl) : GITHUB_WEB

export const gitHubApiUrl = (baseUrl: string | null | undefined): string =>
  baseUrl ? `${trim(baseUrl)}/api/v3` : GITHUB_API

/** What git clones, fetches and pushes: never with credentials in it. */
export const gitHubCloneUrl = (baseUrl: string | null | undefined, repo: string): string =>
  `${gitHubWebUrl(baseUrl)}/${repo}.git`
