import { z } from 'zod'
import { hasControlCharacters, Id, Timestamp } from './common.ts'
import { SecretName } from './secrets.ts'

export const RepositoryName = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/,
    'must start with a letter or digit and use only letters, digits, ".", "-" and "_" (at most 100)',
  )
  .refine(
    (name) => !name.endsWith('.git') && !name.includes('..'),
    'must not end with ".git" or contain ".."',
  )

const scpLike = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+$/

/**
 * Why a remote URL is refused, or null when it is acceptable. Git treats some URL forms as commands
 * (`ext::`), options (`--upload-pack=`, anything starting with "-") or local paths, so only plain
 * https, http, ssh, scp-like and (checked against allowed roots by the server) file URLs pass.
 */
export function remoteUrlProblem(url: string): string | null {
  if (url.length > 2000) return 'is longer than 2000 characters'
  if (/\s/.test(url) || hasControlCharacters(url)) return 'must not contain whitespace or control characters'
  if (url.startsWith('-') || url.includes('--upload-pack') || url.includes('--receive-pack'))
    return 'must not look like a git option'
  if (url.includes('::')) return 'must not use a git remote helper ("ext::", "fd::", …)'
  if (scpLike.test(url)) return null
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'must be an https://, http://, ssh://, git@host:path or file:// URL'
  }
  if (!['https:', 'http:', 'ssh:', 'file:'].includes(parsed.protocol))
    return `uses the unsupported scheme "${parsed.protocol}"; use https://, ssh:// or git@host:path`
  if (parsed.password || (parsed.protocol.startsWith('http') && parsed.username))
    return 'must not carry credentials; store the token as a secret instead'
  if (parsed.protocol !== 'file:' && !parsed.hostname) return 'has no host'
  return null
}

export const RemoteUrl = z.string().superRefine((url, ctx) => {
  const problem = remoteUrlProblem(url)
  if (problem) ctx.addIssue({ code: 'custom', message: `repository URL ${problem}` })
})

/**
 * Where a repository lives: `local` on the built-in forge, `remote` any other git remote (https or
 * ssh; no pull requests: a run ends with its branch pushed), `github` on GitHub or GitHub Enterprise.
 */
export const repositoryKinds = ['local', 'remote', 'github'] as const
export const RepositoryKind = z.enum(repositoryKinds)

export const BranchName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine(
    (b) =>
      /^[A-Za-z0-9._/-]+$/.test(b) &&
      !b.startsWith('-') &&
      !b.startsWith('/') &&
      !b.endsWith('/') &&
      !b.endsWith('.lock') &&
      !b.endsWith('.') &&
      !b.includes('..') &&
      !b.includes('//') &&
      !b.includes('/.'),
    'must be a valid git branch name (letters, digits, ".", "-", "_", "/"; no "..", no leading "-")',
  )

/** `owner/name` as GitHub spells it. */
export const GitHubRepoName = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/,
    'must be "owner/name" as on GitHub (letters, digits, "-" in the owner; letters, digits, ".", "-", "_" in the name)',
  )
  .refine(
    (name) => !name.endsWith('.git') && !name.split('/')[1]?.startsWith('.'),
    'must not end with ".git"',
  )

/**
 * How the server authenticates to GitHub, both kept as squad secrets: a personal access token
 * (fine-grained or classic), or a GitHub App (an installation token is minted per execution,
 * narrowed to this one repository).
 */
export const GitHubAuth = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('token'), secret: SecretName }),
  z.strictObject({
    kind: z.literal('app'),
    app_id: z.number().int().positive(),
    private_key_secret: SecretName,
  }),
])
export type GitHubAuth = z.infer<typeof GitHubAuth>

const HttpsBaseUrl = z
  .string()
  .trim()
  .max(500)
  .refine((url) => {
    try {
      const parsed = new URL(url)
      return (
        (parsed.protocol === 'https:' || parsed.protocol === 'http:') && !parsed.username && !parsed.password
      )
    } catch {
      return false
    }
  }, 'must be an https:// URL without credentials, like https://github.example.com')

/** A repository on GitHub: `owner/name`, the credential, and (for GitHub Enterprise) the server's base URL. */
export const GitHubSettings = z.strictObject({
  repo: GitHubRepoName,
  auth: GitHubAuth,
  /** GitHub Enterprise Server's base URL (its API is under /api/v3); github.com when omitted. */
  base_url: HttpsBaseUrl.optional(),
})
export type GitHubSettings = z.infer<typeof GitHubSettings>

/** What a repository's check found: the remote answers with its credential and has the branch. */
export const RepositoryCheck = z.object({
  reachable: z.boolean(),
  default_branch: z.string(),
  /** The default branch's head commit, null for an empty repository. */
  head: z.string().nullable(),
  /** What the credential may do there (GitHub: `contents:write`, `pull_requests:write`, …). */
  permissions: z.array(z.string()),
  checked_at: Timestamp,
})
export type RepositoryCheck = z.infer<typeof RepositoryCheck>

export const Repository = z.object({
  id: Id,
  squad_id: Id,
  name: z.string(),
  kind: RepositoryKind,
  url: z.string().nullable(),
  clone_url: z.string().nullable(),
  default_branch: z.string(),
  /** The squad secret that authenticates git (a token, or an ssh private key) for a `remote` repository. */
  credential_secret: z.string().nullable(),
  /** For a `github` repository: owner/name, how it authenticates, and the web page. */
  github: z
    .object({
      repo: z.string(),
      auth: GitHubAuth,
      base_url: z.string().nullable(),
      /** The repository's page on GitHub. */
      html_url: z.string(),
    })
    .nullable(),
  /** The last check of the remote (at create and update); null for a local repository. */
  check: RepositoryCheck.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
})
export type Repository = z.infer<typeof Repository>

/**
 * `{ name }` creates a repository on the local forge; `{ name, url, credential_secret? }` connects
 * any git remote; `{ name, github: { repo, auth } }` a GitHub repository. A remote one is checked
 * before it is saved (it answers, the credential works, the default branch exists); without
 * `default_branch` a remote's own default branch is taken, `main` for a local one.
 */
export const CreateRepositoryBody = z
  .strictObject({
    name: RepositoryName,
    url: RemoteUrl.optional(),
    credential_secret: SecretName.optional(),
    github: GitHubSettings.optional(),
    default_branch: BranchName.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.url !== undefined && body.github !== undefined)
      ctx.addIssue({ code: 'custom', path: ['github'], message: 'give either url or github, not both' })
    if (body.credential_secret !== undefined && body.url === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['credential_secret'],
        message:
          body.github !== undefined
            ? 'a GitHub repository names its secret in github.auth'
            : 'only a repository connected by url takes a credential secret',
      })
  })
export type CreateRepositoryBody = z.infer<typeof CreateRepositoryBody>

/** Changes what may change after creation (name, URL and GitHub repository are the identity). */
export const UpdateRepositoryBody = z.strictObject({
  default_branch: BranchName.optional(),
  /** null removes it. */
  credential_secret: SecretName.nullable().optional(),
  github_auth: GitHubAuth.optional(),
})
export type UpdateRepositoryBody = z.infer<typeof UpdateRepositoryBody>
