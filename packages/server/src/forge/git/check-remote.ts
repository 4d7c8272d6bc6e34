import type { RepositoryCheck } from '@agent-squad/contract'
import { AppError } from '../../domain/errors.ts'
import { secretsOf, withGitCredentials } from '../../git/credentials.ts'
import { remoteEndpoint } from '../../git/remote-url.ts'
import { GitCommandError, runGit } from '../../git/run-git.ts'
import { Redactor } from '../../secrets/redactor.ts'
import type { GitCredentials } from '../forge.ts'

export const CHECK_TIMEOUT_MS = 15_000

/** What is wrong with a remote, for a person (the message) and for a program (`problem`). */
export type RemoteProblem =
  | 'unreachable'
  | 'host_key'
  | 'auth_refused'
  | 'not_found'
  | 'empty'
  | 'no_branch'
  | 'no_default_branch'
  | 'failed'

const failed = (problem: RemoteProblem, message: string, extra: Record<string, unknown> = {}) =>
  new AppError('validation_failed', message, { details: { problem, ...extra } })

/** What `git ls-remote --symref` printed: HEAD's branch (if it names one) and every branch's head. */
export function parseLsRemote(stdout: string): { head: string | null; branches: Map<string, string> } {
  let head: string | null = null
  const branches = new Map<string, string>()
  for (const line of stdout.split('\n')) {
    const symref = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line)
    if (symref) head = symref[1] as string
    const ref = /^([0-9a-f]{40,64})\trefs\/heads\/(\S+)$/.exec(line)
    if (ref) branches.set(ref[2] as string, ref[1] as string)
  }
  return { head, branches }
}

/** A failed ls-remote as a problem with the remote, from what git (and ssh) printed. */
function explain(
  error: unknown,
  url: string,
  credentials: GitCredentials,
  redactor: Redactor,
  timedOut: boolean,
): AppError {
  const endpoint = remoteEndpoint(url)
  const where = endpoint && endpoint.transport !== 'file' ? `${endpoint.host}:${endpoint.port}` : url
  if (!(error instanceof GitCommandError))
    return failed('failed', `The repository could not be checked: ${String(error)}`)
  const output = `${error.result.stderr}\n${error.result.stdout}`
  const last = redactor.redact(
    error.result.stderr
      .split(/\r?\n/)
      .filter((line) => line.trim())
      .slice(-2)
      .join(' | '),
  )
  const said = last ? ` (git: ${last})` : ''
  if (timedOut)
    return failed(
      'unreachable',
      `${where} did not answer in time: check the URL and that this server can reach it`,
    )
  if (
    /Could not resolve host|Name or service not known|Temporary failure in name resolution|nodename nor servname/i.test(
      output,
    )
  )
    return failed('unreachable', `The host of ${url} could not be resolved: check the URL${said}`)
  if (/Connection refused/i.test(output))
    return failed('unreachable', `${where} refused the connection: check the URL and its port${said}`)
  if (
    /timed out|Failed to connect|No route to host|Network is unreachable|Couldn't connect|Connection reset|Connection closed by|early EOF|hung up unexpectedly/i.test(
      output,
    ) &&
    !/Permission denied|Authentication failed/i.test(output)
  )
    return failed('unreachable', `${where} could not be reached${said}`)
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(output))
    return failed(
      'host_key',
      `The ssh host key of ${where} is not the one recorded when the repository was first reached: if the server really changed its key, delete the repository and connect it again${said}`,
    )
  if (
    /Authentication failed|returned error: 40[13]|could not read (Username|Password)|Permission denied|HTTP Basic: Access denied|terminal prompts disabled|invalid credentials/i.test(
      output,
    )
  )
    return failed(
      'auth_refused',
      credentials
        ? `${where} refused the credential: check that the token or key is valid, not expired, and has access to the repository${said}`
        : `${where} asks for a credential: store a token (https) or a private key (ssh) as a squad secret and name it in credential_secret${said}`,
    )
  if (/not found|returned error: 404|does not appear to be a git repository|does not exist/i.test(output))
    return failed('not_found', `There is no repository at ${url} (or the credential cannot see it)${said}`)
  return failed('failed', `git ls-remote ${url} failed${said}`)
}

/**
 * Checks a remote as the pipeline will use it: `git ls-remote --symref` on this server, with the
 * repository's credential, bounded in time. Answers the branch to work on (`defaultBranch`, else
 * the remote's HEAD) and its head commit; throws a `validation_failed` AppError saying what is wrong.
 */
export async function checkRemote(options: {
  url: string
  credentials: GitCredentials
  /** Empty: the remote's own default branch (its HEAD's). */
  defaultBranch: string
  timeoutMs?: number
}): Promise<RepositoryCheck> {
  const { url, credentials } = options
  const redactor = new Redactor(secretsOf(credentials))
  const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS
  const started = Date.now()
  const listed = await withGitCredentials(credentials, (env) =>
    runGit(['ls-remote', '--symref', '--', url], { env, timeoutMs }),
  ).catch((error) => {
    throw explain(error, url, credentials, redactor, Date.now() - started >= timeoutMs - 50)
  })
  const { head, branches } = parseLsRemote(listed.stdout)
  if (branches.size === 0)
    throw failed(
      'empty',
      `The repository at ${url} is empty: push a first commit to ${options.defaultBranch || head || 'its default branch'}, then connect it`,
    )
  const branch = options.defaultBranch || head
  if (!branch)
    throw failed(
      'no_default_branch',
      `The repository at ${url} names no default branch: give default_branch`,
      {
        branches: [...branches.keys()].slice(0, 10),
      },
    )
  const sha = branches.get(branch)
  if (!sha) {
    const names = [...branches.keys()]
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '')
    throw failed('no_branch', `The repository at ${url} has no branch "${branch}"; it has ${shown}`, {
      branches: names.slice(0, 10),
    })
  }
  return {
    reachable: true,
    default_branch: branch,
    head: sha,
    // ls-remote proves the credential reads; whether it may push shows at the first push.
    permissions: ['read'],
    checked_at: new Date().toISOString(),
  }
}
