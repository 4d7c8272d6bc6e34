import { AppError } from '../../domain/errors.ts'
import type { GitCredentials } from '../forge.ts'

/**
 * The user name sent with a token when the secret names none. GitHub, GitLab and Gitea/Forgejo
 * accept any non-empty user name with a personal (or project, or fine-grained) access token as the
 * password; Bitbucket Cloud wants `x-token-auth` with a repository or workspace access token, and
 * its app passwords and Azure DevOps want the account's own name: a secret `user:token` names it.
 */
export const DEFAULT_TOKEN_USER = 'x-access-token'

const PEM_KEY = /^-----BEGIN ((?:OPENSSH|RSA|EC|DSA) )?PRIVATE KEY-----/
const OPENSSH_MAGIC = 'openssh-key-v1\0'

/** True when a secret's value is an ssh private key (OpenSSH or PEM) rather than a token. */
export const isSshPrivateKey = (value: string) => PEM_KEY.test(value.trim())

/**
 * Why an ssh private key cannot be used without a person at a terminal, or null: one protected by
 * a passphrase (the server's ssh runs in batch mode and has nobody to ask).
 */
export function sshKeyProblem(value: string): string | null {
  const text = value.trim()
  if (/Proc-Type: 4,ENCRYPTED|BEGIN ENCRYPTED PRIVATE KEY/.test(text))
    return 'is protected by a passphrase; store a key without one (a deploy key made for this)'
  if (!text.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----')) return null
  const body = text
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('-----'))
    .join('')
  const bytes = Buffer.from(body, 'base64')
  if (bytes.subarray(0, OPENSSH_MAGIC.length).toString('latin1') !== OPENSSH_MAGIC)
    return 'is not a readable OpenSSH private key'
  // After the magic: string ciphername ("none" when the key has no passphrase).
  const length = bytes.readUInt32BE(OPENSSH_MAGIC.length)
  const cipher = bytes
    .subarray(OPENSSH_MAGIC.length + 4, OPENSSH_MAGIC.length + 4 + length)
    .toString('latin1')
  return cipher === 'none'
    ? null
    : 'is protected by a passphrase; store a key without one (a deploy key made for this)'
}

/**
 * Turns a `remote` repository's secret into credentials for git: an ssh private key for an ssh
 * URL, or a token sent as HTTP Basic (`Authorization: Basic base64(user:token)`) for an https one.
 * The secret is `token`, or `user:token` to name the user (see DEFAULT_TOKEN_USER).
 */
export function remoteCredential(options: {
  secretName: string
  value: string
  ssh: boolean
  knownHostsFile: string
}): Exclude<GitCredentials, null> {
  const { secretName, value, ssh } = options
  const refuse = (message: string) =>
    new AppError('validation_failed', `The credential secret ${secretName} ${message}`, {
      details: { problem: 'credential', secret: secretName },
    })
  if (isSshPrivateKey(value)) {
    if (!ssh)
      throw refuse(
        'holds an ssh private key, but the repository URL is not an ssh one: use ssh://… or git@host:path, or store a token',
      )
    const problem = sshKeyProblem(value)
    if (problem) throw refuse(problem)
    return { sshKey: value.trim(), knownHostsFile: options.knownHostsFile }
  }
  if (ssh)
    throw refuse(
      'is not an ssh private key (-----BEGIN OPENSSH PRIVATE KEY-----…), which an ssh URL needs: store the key, or connect the https URL with a token',
    )
  const text = value.trim()
  if (/\s/.test(text)) throw refuse('must be one token (or user:token) without spaces or line breaks')
  const named = /^([^:]+):(.+)$/.exec(text)
  const user = named ? (named[1] as string) : DEFAULT_TOKEN_USER
  const token = named ? (named[2] as string) : text
  return { httpHeader: `Authorization: Basic ${Buffer.from(`${user}:${token}`).toString('base64')}` }
}
