import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { GitCredentials } from '../forge/forge.ts'
import { shellQuote } from './shell-quote.ts'

/**
 * THE place credentials are handed to git, for one command at a time. They never appear in a
 * command line (visible in /proc), the remote URL, .git/config, the agent's environment or a log.
 * Prompts are disabled so a bad credential fails at once instead of hanging on a terminal.
 *
 * - A token goes as configuration in that command's environment (GIT_CONFIG_COUNT/KEY/VALUE,
 *   git >= 2.31): `http.extraHeader`.
 * - An ssh key goes to a file of its own, in a folder only the command's user can read, named by
 *   `GIT_SSH_COMMAND`, and removed when the command ends (`withGitCredentials` on the server,
 *   `sandboxSshPrelude` in a sandbox).
 */
const NO_PROMPTS = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', SSH_ASKPASS: 'true' }

/**
 * No credential helper: a remote is reached with its own credential or none, never with whatever the
 * server's account has stored for that host (its ~/.gitconfig's helper would answer for a squad).
 */
const NO_HELPER = { GIT_CONFIG_KEY_0: 'credential.helper', GIT_CONFIG_VALUE_0: '' }

/**
 * The environment of one git command with HTTP credentials (an ssh key needs a file: see below).
 * With `scope` (a URL such as `https://forge.example/`) the header goes only to URLs under it
 * (`http.<url>.extraHeader`): a command that also reaches other hosts (submodules) sends it to none
 * of them.
 */
export function gitCredentialEnv(credentials: GitCredentials, scope?: string): Record<string, string> {
  if (!credentials || !('httpHeader' in credentials))
    return { ...NO_PROMPTS, ...NO_HELPER, GIT_CONFIG_COUNT: '1' }
  return {
    ...NO_PROMPTS,
    ...NO_HELPER,
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_1: scope ? `http.${scope}.extraHeader` : 'http.extraHeader',
    GIT_CONFIG_VALUE_1: credentials.httpHeader,
  }
}

export type SshCommandOpts = {
  /** The key file and the known_hosts file, each already a shell word (quoted, or a "$VAR" reference). */
  keyFile: string
  knownHostsFile: string
  /**
   * `accept-new` on the server: the first contact records the remote's host key, a changed key is
   * refused. `yes` in a sandbox: only the key the server recorded is accepted.
   */
  hostKeys: 'accept-new' | 'yes'
  /** An HTTP proxy (host, port) to tunnel through with CONNECT: the sandbox's egress relay. */
  proxy?: { host: string; port: number }
}

/**
 * The `ssh` git runs for an ssh remote: this key only (no agent, no ~/.ssh keys or config, which a
 * sandbox's agent could have written), never a prompt, a bounded connect, and a known_hosts file of
 * the repository's own.
 */
export function sshCommand(opts: SshCommandOpts): string {
  const options = [
    '-F /dev/null',
    `-i ${opts.keyFile}`,
    '-o IdentitiesOnly=yes',
    '-o IdentityAgent=none',
    '-o BatchMode=yes',
    '-o PasswordAuthentication=no',
    '-o KbdInteractiveAuthentication=no',
    '-o ConnectTimeout=10',
    '-o CheckHostIP=no',
    `-o StrictHostKeyChecking=${opts.hostKeys}`,
    `-o UserKnownHostsFile=${opts.knownHostsFile}`,
    '-o GlobalKnownHostsFile=/dev/null',
    '-o LogLevel=ERROR',
  ]
  if (opts.proxy)
    options.push(
      `-o ${shellQuote(`ProxyCommand=socat - PROXY:${opts.proxy.host}:%h:%p,proxyport=${opts.proxy.port}`)}`,
    )
  return `ssh ${options.join(' ')}`
}

/** An ssh key as a file wants it: git's ssh refuses a key without its final newline. */
const keyFileText = (key: string) => `${key.replace(/\r\n/g, '\n').trimEnd()}\n`

/**
 * Runs `fn` with the environment of one git command on the server (the repository cache's fetch,
 * a repository's check). An ssh key is written, mode 0600, into a fresh folder only this process
 * can read, for exactly as long as `fn` runs; the remote's host key goes to the repository's own
 * known_hosts (accept-new: recorded on first contact, a changed key refused).
 */
export async function withGitCredentials<T>(
  credentials: GitCredentials,
  fn: (env: Record<string, string>) => Promise<T>,
): Promise<T> {
  if (!credentials || !('sshKey' in credentials)) return fn(gitCredentialEnv(credentials))
  const dir = await mkdtemp(join(tmpdir(), 'squad-ssh-'))
  try {
    const keyFile = join(dir, 'key')
    await writeFile(keyFile, keyFileText(credentials.sshKey), { mode: 0o600 })
    return await fn({
      ...NO_PROMPTS,
      ...NO_HELPER,
      GIT_CONFIG_COUNT: '1',
      GIT_SSH_COMMAND: sshCommand({
        keyFile: shellQuote(keyFile),
        knownHostsFile: shellQuote(credentials.knownHostsFile),
        hostKeys: 'accept-new',
      }),
      GIT_SSH_VARIANT: 'ssh',
    })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * For one git command in a sandbox with an ssh key: the shell lines that write the key and the
 * host keys the server recorded (both arrive in the command's environment, `SQUAD_SSH_KEY` and
 * `SQUAD_SSH_KNOWN_HOSTS`) into a fresh folder made by mktemp (mode 0700, so nothing the agent left
 * can be in its way), unset them, point `GIT_SSH_COMMAND` at the key, and remove the folder when the
 * command ends. No agent process is alive then (each sandbox command ends with its processes). ssh
 * reaches the remote through the sandbox's egress proxy (CONNECT to host:port, which the command's
 * network policy names) when there is one.
 */
export function sandboxSshPrelude(proxy: { host: string; port: number } | undefined): string {
  const ssh = sshCommand({
    keyFile: '"$SQUAD_SSH_DIR/key"',
    knownHostsFile: '"$SQUAD_SSH_DIR/known_hosts"',
    hostKeys: 'yes',
    ...(proxy ? { proxy } : {}),
  })
  return [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
    'SQUAD_SSH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/squad-ssh.XXXXXXXX") || exit 1',
    `trap 'rm -rf "$SQUAD_SSH_DIR"' EXIT`,
    '( umask 077',
    `  printf '%s\\n' "$SQUAD_SSH_KEY" > "$SQUAD_SSH_DIR/key"`,
    `  printf '%s\\n' "$SQUAD_SSH_KNOWN_HOSTS" > "$SQUAD_SSH_DIR/known_hosts" ) || exit 1`,
    'unset SQUAD_SSH_KEY SQUAD_SSH_KNOWN_HOSTS',
    'export SQUAD_SSH_DIR',
    `export GIT_SSH_COMMAND=${shellQuote(ssh)}`,
    'export GIT_SSH_VARIANT=ssh',
  ].join('\n')
}

/** The environment `sandboxSshPrelude` reads: the key and the host keys recorded on the server. */
export function sandboxSshEnv(sshKey: string, knownHosts: string): Record<string, string> {
  return {
    ...NO_PROMPTS,
    ...NO_HELPER,
    GIT_CONFIG_COUNT: '1',
    SQUAD_SSH_KEY: keyFileText(sshKey).trimEnd(),
    SQUAD_SSH_KNOWN_HOSTS: knownHosts,
  }
}

/** The secret parts of the credentials, for the redactor: the header's token (and its password), an ssh key's lines. */
export function secretsOf(credentials: GitCredentials): string[] {
  if (!credentials) return []
  if ('sshKey' in credentials) {
    const key = credentials.sshKey.trim()
    const lines = key.split(/\r?\n/).filter((line) => !line.startsWith('-----') && line.trim().length >= 16)
    return [key, ...lines.map((line) => line.trim())]
  }
  const value = credentials.httpHeader.replace(/^[^:]+:\s*/, '')
  const token = value.replace(/^(Bearer|Basic|token)\s+/i, '')
  const found = [value, token]
  if (/^Basic\s/i.test(value)) {
    // Basic carries base64(user:token): the token itself may be printed on its own too.
    const decoded = Buffer.from(token, 'base64').toString('utf8')
    const password = decoded.slice(decoded.indexOf(':') + 1)
    if (decoded.includes(':')) found.push(password)
  }
  return found.filter((s) => s.length >= 8)
}
