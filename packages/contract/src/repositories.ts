import { z } from 'zod'
import { hasControlCharacters, Id, Timestamp } from './common.ts'

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

export const repositoryKinds = ['local', 'remote'] as const
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

export const Repository = z.object({
  id: Id,
  squad_id: Id,
  name: z.string(),
  kind: RepositoryKind,
  url: z.string().nullable(),
  clone_url: z.string().nullable(),
  default_branch: z.string(),
  created_at: Timestamp,
  updated_at: Timestamp,
})
export type Repository = z.infer<typeof Repository>

/** `{ name }` creates a repository on the local forge; `{ name, url }` connects a remote one. */
export const CreateRepositoryBody = z.strictObject({
  name: RepositoryName,
  url: RemoteUrl.optional(),
  default_branch: BranchName.default('main'),
})
export type CreateRepositoryBody = z.infer<typeof CreateRepositoryBody>

export const UpdateRepositoryBody = z.strictObject({
  default_branch: BranchName.optional(),
})
export type UpdateRepositoryBody = z.infer<typeof UpdateRepositoryBody>
