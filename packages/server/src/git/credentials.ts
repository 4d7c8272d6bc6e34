import type { GitCredentials } from '../forge/forge.ts'

/**
 * The one function that hands credentials to git: as configuration passed through the environment
 * of that single git command (GIT_CONFIG_COUNT/KEY/VALUE, git >= 2.31). They never appear in a
 * command line (visible in /proc), the remote URL, .git/config, the agent's environment or a log.
 * Prompts are disabled so a bad token fails at once instead of hanging on a terminal.
 */
export function gitCredentialEnv(credentials: GitCredentials): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', SSH_ASKPASS: 'true' }
  if (!credentials) return env
  return {
    ...env,
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: credentials.httpHeader,
  }
}

/** The secret part of the credentials, for the redactor. */
export function secretsOf(credentials: GitCredentials): string[] {
  if (!credentials) return []
  const value = credentials.httpHeader.replace(/^[^:]+:\s*/, '')
  const token = value.replace(/^(Bearer|Basic|token)\s+/i, '')
  // Basic carries `user:token` in base64 (what GitHub's git takes): the token itself is the secret too.
  const basic = /^Basic\s+/i.test(value) ? Buffer.from(token, 'base64').toString('utf8') : ''
  const password = basic.includes(':') ? basic.slice(basic.indexOf(':') + 1) : ''
  return [value, token, password].filter((s) => s.length >= 8)
}
