import { readFile } from 'node:fs/promises'
import type { GitProgress } from '@agent-squad/contract'
import { AppError } from '../../domain/errors.ts'
import type { GitCredentials } from '../../forge/forge.ts'
import { classifyGitError, type GitFailureScope, scopeOf } from '../../git/classify-git-error.ts'
import { gitCredentialEnv, sandboxSshEnv, sandboxSshPrelude } from '../../git/credentials.ts'
import { withRetry } from '../../git/retry.ts'
import { parseGitProgress } from '../../git/run-git.ts'
import { shellCommand } from '../../git/shell-quote.ts'
import { restoreWorkspaceConfig, workspaceGitConfig } from '../../git/workspace-config.ts'
import { NETWORK_INTERNET, type NetworkPolicy, remoteDestination } from '../../sandbox/network-policy.ts'
import { CommandExitError, type CommandResult } from '../../sandbox/sandbox-provider.ts'
import type { Redactor } from '../../secrets/redactor.ts'
import { type ExecutionContext, requireSandbox, resultString } from './execution-context.ts'

export type SandboxGitOptions = {
  /** Reaches the forge: runs with network on, credentials in its environment, retried when transient. */
  remote?: {
    credentials: GitCredentials
    operation: GitProgress['operation']
    /** Send an HTTP credential only to URLs under this one (the forge's), for a command reaching others too. */
    credentialScope?: string
    /** What the command may reach instead of the forge alone (it must include the forge). */
    network?: NetworkPolicy
    /** Run it once: a failure is reported, not retried (a best-effort command). */
    once?: boolean
  }
  env?: Record<string, string>
  stdin?: string
  /** Resolve with the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean
  quiet?: boolean
  /** Where to run; the workspace by default. */
  cwd?: string
}

/**
 * Configuration every pipeline git command runs with: no hooks, no fsmonitor, no proxy or credential
 * helper, and no global or system config. The agent can write the workspace's hooks, its
 * .git/config and ~/.gitconfig; none of that may run, or redirect anything, inside our git commands.
 * Hooks are files, so only `core.hooksPath` stops them; the workspace's .git/config is not trusted
 * key by key but rewritten whole before each command (see git/workspace-config.ts for why).
 */
const HARDENING = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'http.proxy=',
  '-c',
  'credential.helper=',
]
const HARDENED_ENV = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }

/** The forge alone, for a remote git command (a URL with no host:port, e.g. ssh, gets public addresses). */
const forgeNetwork = (destination: string | undefined): NetworkPolicy =>
  destination ? { mode: 'allowlist', allow: [destination] } : NETWORK_INTERNET

/**
 * What a command with an ssh key needs in a sandbox: the prelude that writes the key and the host
 * keys the server recorded for the repository (its known_hosts, filled on first contact by the
 * server's own fetch or check), and the environment carrying them to that one command. ssh goes
 * through the sandbox's egress relay (`proxyUrl`) when it has one.
 */
async function sshSetup(credentials: GitCredentials, proxyUrl: string | undefined) {
  if (!credentials || !('sshKey' in credentials)) return null
  const knownHosts = await readFile(credentials.knownHostsFile, 'utf8').catch(() => '')
  const proxy = proxyUrl ? new URL(proxyUrl) : null
  return {
    prelude: sandboxSshPrelude(proxy ? { host: proxy.hostname, port: Number(proxy.port || 80) } : undefined),
    env: sandboxSshEnv(credentials.sshKey, knownHosts),
  }
}

/** Raised for a git failure, with what it means and what to do; `retryable` follows its class. */
export class GitFailureError extends AppError {
  readonly failure: ReturnType<typeof classifyGitError>
  constructor(message: string, failure: ReturnType<typeof classifyGitError>, cause: unknown) {
    super(failure.kind === 'diverged' ? 'conflict' : 'bad_request', message, {
      cause,
      retryable: failure.kind === 'transient',
    })
    this.failure = failure
  }
}

/**
 * The one wording of a failed git command, wherever it ran: what it means, what to do, and git's
 * last lines (redacted). Its message is complete, so whoever shows it need not add the cause's.
 */
export function explainGitFailure(
  command: string,
  output: { stderr: string; stdout: string; exitCode?: number; error?: string | undefined },
  redactor: Redactor,
  cause: unknown,
  /** Whether the command talked to a remote; by default, from its subcommand. */
  scope: GitFailureScope = scopeOf(command.split(' ')[1]),
): GitFailureError {
  const failure = classifyGitError(`${output.stderr}\n${output.stdout}`, scope)
  const lines = output.stderr
    .split(/[\r\n]+/)
    .filter((line) => line.trim() && !/^Cloning into /.test(line))
    .slice(-4)
  // Git that says nothing was stopped from outside (a signal, a limit): say how it ended instead.
  const silent = `(git printed nothing; exit code ${output.exitCode ?? '?'}${output.error ? `, ${output.error}` : ''})`
  const detail = lines.length > 0 ? redactor.redact(lines.join('\n')) : silent
  return new GitFailureError(
    `${command} failed: ${failure.reason}. ${failure.hint}\n${detail}`,
    failure,
    cause,
  )
}

/**
 * Runs one git command inside the sandbox's workspace. Output goes to the execution's log (through
 * the redactor); progress lines become `git.progress` events; remote commands get credentials in
 * their own environment only and are retried with backoff when the failure is transient.
 */
export async function sandboxGit(ctx: ExecutionContext, args: string[], options: SandboxGitOptions = {}) {
  const sandbox = requireSandbox(ctx)
  // A remote command reaches exactly the forge, through the sandbox's egress proxy when it has one:
  // set here, after HARDENING, so that no http.proxy of the workspace's can redirect it.
  const destination = options.remote ? remoteDestination(ctx.forge.cloneUrl(ctx.repo)) : undefined
  const proxy = options.remote && sandbox.proxyUrl ? ['-c', `http.proxy=${sandbox.proxyUrl}`] : []
  const config = workspaceGitConfig({
    originUrl: ctx.forge.cloneUrl(ctx.repo),
    objectFormat: resultString(ctx, 'provision', 'base_commit')?.length === 64 ? 'sha256' : 'sha1',
  })
  // Every command, wherever it runs, first puts back the workspace's config: even a command in the
  // transfer repository reads the workspace's (a local fetch from it runs upload-pack there).
  // An ssh key is written for this one command and removed when it ends (git/credentials.ts).
  const ssh = options.remote ? await sshSetup(options.remote.credentials, sandbox.proxyUrl) : null
  const command = [
    restoreWorkspaceConfig(sandbox.workdir, config),
    ...(ssh ? [ssh.prelude] : []),
    shellCommand(['git', ...HARDENING, ...proxy, ...args]),
  ].join('\n')
  let lastProgress = 0
  const onProgress = (text: string) => {
    if (!options.remote) return
    const parsed = parseGitProgress(text)
    const now = Date.now()
    if (!parsed || now - lastProgress < 250) return
    lastProgress = now
    void ctx.store
      .gitProgress({
        operation: options.remote.operation,
        phase: 'progress',
        percent: parsed.percent,
        message: parsed.stage,
      })
      .catch(() => {})
  }
  const once = async (): Promise<CommandResult> => {
    if (!options.quiet) ctx.log.write('system', `$ ${shellCommand(['git', ...args])}\n`)
    try {
      return await sandbox.commands.run(command, {
        cwd: options.cwd ?? sandbox.workdir,
        timeoutMs: ctx.deps.limits.gitTimeoutMs,
        envs: {
          ...HARDENED_ENV,
          ...(options.remote
            ? (ssh?.env ?? gitCredentialEnv(options.remote.credentials, options.remote.credentialScope))
            : {}),
          // The proxy variables exempt loopback (for the agent's own local servers); the forge may
          // be on this machine's loopback, and only the egress proxy can reach it from a sandbox.
          ...(options.remote && sandbox.proxyUrl ? { NO_PROXY: '', no_proxy: '' } : {}),
          ...options.env,
        },
        ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
        ...(options.remote ? { network: options.remote.network ?? forgeNetwork(destination) } : {}),
        onStdout: (d) => {
          if (!options.quiet) ctx.log.write('stdout', d)
        },
        onStderr: (d) => {
          if (!options.quiet) ctx.log.write('stderr', d)
          onProgress(d)
        },
      })
    } catch (error) {
      if (!(error instanceof CommandExitError)) throw error
      if (options.allowFailure) return error.result
      const failure = explainGitFailure(
        `git ${args[0]}`,
        error.result,
        ctx.redactor,
        error,
        options.remote ? 'remote' : 'local',
      )
      // By operation (a fixed list) rather than by subcommand, which a caller could make anything.
      ctx.deps.metrics?.executions.gitFailures.inc({
        operation: options.remote?.operation ?? 'local',
        kind: failure.failure.kind,
      })
      throw failure
    }
  }
  if (!options.remote || options.remote.once) return once()
  const operation = options.remote.operation
  return withRetry(once, {
    attempts: ctx.deps.limits.gitAttempts,
    baseDelayMs: ctx.deps.limits.gitBaseDelayMs,
    signal: ctx.signal,
    shouldRetry: (error) => error instanceof GitFailureError && error.failure.kind === 'transient',
    onRetry: ({ attempt, delayMs, error }) => {
      ctx.deps.metrics?.executions.gitRetries.inc({ operation })
      const reason = error instanceof GitFailureError ? error.failure.reason : 'error'
      ctx.log.write(
        'system',
        `git ${args[0]}: ${reason}; retrying in ${delayMs} ms (attempt ${attempt + 1})\n`,
      )
      void ctx.store
        .gitProgress({
          operation,
          phase: 'retrying',
          percent: null,
          message: `${reason}; retry ${attempt + 1}`,
        })
        .catch(() => {})
    },
  })
}

/** stdout of a git command, trimmed. */
export const gitOutput = async (ctx: ExecutionContext, args: string[]) =>
  (await sandboxGit(ctx, args, { quiet: true })).stdout.trim()

/**
 * Points the workspace's `origin` at the forge's clone URL as this server knows it now. The shared
 * base checkout, and a sandbox re-attached after a restart, keep the URL they were made with, which
 * is stale once the server listens elsewhere (another PORT, PORT=0, a new SQUAD_PUBLIC_URL): every
 * fetch and push would then go to an address nobody answers.
 */
export const pointOriginAtForge = (ctx: ExecutionContext) =>
  sandboxGit(ctx, ['remote', 'set-url', 'origin', ctx.forge.cloneUrl(ctx.repo)], { quiet: true })
