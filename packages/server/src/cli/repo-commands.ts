import type { CreateRepositoryBody, Page, Repository } from '@agent-squad/contract'
import type { Command } from 'commander'
import { ApiError } from './client/api-client.ts'
import { resolveSquad, uuidLike } from './resolve.ts'
import { type ClientFlags, clientOf, withClientOptions } from './task-commands.ts'

export type RepoAddFlags = ClientFlags & {
  github?: string
  tokenSecret?: string
  appId?: string
  privateKeySecret?: string
  githubUrl?: string
  gitUrl?: string
  credentialSecret?: string
  defaultBranch?: string
  json?: boolean
}

/** Which flag sets each field of the create body, so the server's complaints name the flag to fix. */
const flagOfPath: Record<string, string> = {
  name: '<name>',
  url: '--git-url',
  credential_secret: '--credential-secret',
  default_branch: '--default-branch',
  github: '--github',
  'github.repo': '--github',
  'github.base_url': '--github-url',
  'github.auth': '--token-secret / --app-id',
  'github.auth.secret': '--token-secret',
  'github.auth.app_id': '--app-id',
  'github.auth.private_key_secret': '--private-key-secret',
}

/**
 * The create body the flags ask for: a GitHub repository (`--github` with a token or an App), any
 * git remote (`--git-url`), or the local forge (neither). Flags that belong to another kind, or a
 * kind missing its credential, are usage errors said in flag terms before anything is sent.
 */
export function repositoryBodyOf(name: string, flags: RepoAddFlags): CreateRepositoryBody {
  const problems: string[] = []
  const github = flags.github !== undefined
  const remote = flags.gitUrl !== undefined
  if (github && remote) problems.push('give either --github owner/name or --git-url <url>, not both')
  if (!github)
    for (const [flag, value] of [
      ['--token-secret', flags.tokenSecret],
      ['--app-id', flags.appId],
      ['--private-key-secret', flags.privateKeySecret],
      ['--github-url', flags.githubUrl],
    ] as const)
      if (value !== undefined) problems.push(`${flag} goes with --github owner/name`)
  if (!remote && flags.credentialSecret !== undefined)
    problems.push(
      github
        ? 'a GitHub repository takes --token-secret or --app-id with --private-key-secret, not --credential-secret'
        : '--credential-secret goes with --git-url <url>',
    )
  let auth: NonNullable<CreateRepositoryBody['github']>['auth'] | null = null
  if (github) {
    const app = flags.appId !== undefined || flags.privateKeySecret !== undefined
    if (flags.tokenSecret !== undefined && app)
      problems.push('give either --token-secret or --app-id with --private-key-secret, not both')
    else if (flags.tokenSecret !== undefined) auth = { kind: 'token', secret: flags.tokenSecret }
    else if (app) {
      const appId = Number(flags.appId)
      if (flags.appId === undefined || !/^\d+$/.test(flags.appId) || appId < 1)
        problems.push("--app-id must be the App's numeric id (its settings page shows it)")
      if (flags.privateKeySecret === undefined)
        problems.push("--private-key-secret must name the secret holding the App's private key")
      auth = { kind: 'app', app_id: appId, private_key_secret: flags.privateKeySecret ?? '' }
    } else
      problems.push(
        'a GitHub repository needs a credential: --token-secret NAME, or --app-id N with --private-key-secret NAME',
      )
  }
  if (problems.length) throw new Error(problems.join('\n  '))
  return {
    name,
    ...(flags.defaultBranch !== undefined ? { default_branch: flags.defaultBranch } : {}),
    ...(remote
      ? {
          url: flags.gitUrl as string,
          ...(flags.credentialSecret !== undefined ? { credential_secret: flags.credentialSecret } : {}),
        }
      : {}),
    ...(github && auth
      ? {
          github: {
            repo: flags.github as string,
            auth,
            ...(flags.githubUrl !== undefined ? { base_url: flags.githubUrl } : {}),
          },
        }
      : {}),
  }
}

/** A 422's field issues in flag terms, one per line; other errors pass unchanged. */
export function inFlagTerms(error: unknown): unknown {
  if (!(error instanceof ApiError) || error.code !== 'validation_failed') return error
  const issues = (error.details as { issues?: { path?: unknown; message?: unknown }[] } | undefined)?.issues
  if (!Array.isArray(issues) || issues.length === 0) return error
  const lines = issues.map((issue) => {
    const path = String(issue.path ?? '')
    const flag = flagOfPath[path]
    return `${flag ?? path}: ${String(issue.message)}`
  })
  return new ApiError(error.status, error.code, `The server refused the repository:\n  ${lines.join('\n  ')}`)
}

/** Where a repository lives, in a word and a place. */
export function whereOf(repo: Repository): string {
  if (repo.kind === 'github' && repo.github)
    return `github ${repo.github.repo}${repo.github.base_url ? ` on ${repo.github.base_url}` : ''}`
  if (repo.kind === 'remote') return `git remote ${repo.url ?? ''}`.trim()
  return `local forge ${repo.clone_url ?? ''}`.trim()
}

/** The repository and what its last check found, as `squad repo add` and `check` print it. */
export function describeRepository(repo: Repository): string {
  const lines = [`${repo.name}  ${repo.id}`, `  where           ${whereOf(repo)}`]
  if (repo.github) lines.push(`  page            ${repo.github.html_url}`)
  lines.push(`  default branch  ${repo.default_branch}`)
  if (repo.github)
    lines.push(
      `  auth            ${repo.github.auth.kind === 'token' ? `token in secret ${repo.github.auth.secret}` : `GitHub App ${repo.github.auth.app_id}, key in secret ${repo.github.auth.private_key_secret}`}`,
    )
  else if (repo.credential_secret) lines.push(`  credential      secret ${repo.credential_secret}`)
  const check = repo.check
  if (check) {
    const head = check.head ? `, ${check.default_branch} at ${check.head.slice(0, 8)}` : ', empty repository'
    lines.push(
      `  check           ${check.reachable ? 'reachable' : 'unreachable'}${check.reachable ? head : ''} (${check.checked_at})`,
    )
    if (check.permissions.length) lines.push(`  permissions     ${check.permissions.join(', ')}`)
  } else if (repo.kind !== 'local') lines.push('  check           not checked yet')
  return `${lines.join('\n')}\n`
}

const listPath = (squadId: string) => `/api/v1/squads/${encodeURIComponent(squadId)}/repositories?limit=500`
const squadHelp = 'the squad, by name or id (may be left out when there is only one)'

/** `squad repo add|list|check`: connect a squad's repositories (GitHub, any git remote, the local forge). */
export function registerRepoCommands(program: Command) {
  const repo = program
    .command('repo')
    .description(
      "Connect a squad's repositories (GitHub, any git remote, the built-in local forge) and check them",
    )

  withClientOptions(
    repo
      .command('add <name>')
      .description(
        'Add a repository to a squad: on GitHub, at a git URL, or on the local forge; a remote one is checked first',
      )
      .option('--squad <squad>', `the squad that gets the repository: ${squadHelp}`)
      .option('--github <owner/name>', 'a GitHub repository, as in its URL')
      .option('--token-secret <NAME>', 'the squad secret holding a GitHub token (fine-grained or classic)')
      .option('--app-id <n>', 'a GitHub App installed on the repository: its numeric id')
      .option('--private-key-secret <NAME>', "the squad secret holding the GitHub App's private key (.pem)")
      .option(
        '--github-url <url>',
        'GitHub Enterprise Server, like https://ghe.example.com (github.com if omitted)',
      )
      .option('--git-url <url>', 'any other git remote: https://…, ssh://… or git@host:path')
      .option('--credential-secret <NAME>', 'the squad secret holding its https token or ssh private key')
      .option(
        '--default-branch <branch>',
        "the branch tasks start from (the remote's own default if omitted)",
      )
      .option('--json', 'print the repository as JSON'),
  )
    .addHelpText(
      'after',
      `
Credentials are squad secrets, named here and stored first (their values never go on a command line):
  squad secret set <squad> GITHUB_TOKEN < token.txt

Examples:
  squad repo add webshop --squad <squad> --github acme/webshop --token-secret GITHUB_TOKEN
  squad repo add api --squad <squad> --github platform/api --app-id 123456 \\
      --private-key-secret GITHUB_APP_KEY --github-url https://ghe.example.com
  squad repo add infra --squad <squad> --git-url git@git.example.com:ops/infra.git --credential-secret DEPLOY_KEY
  squad repo add scratch --squad <squad>      (the local forge; push to the clone URL it prints)

--git-url is the repository's address; --url stays this server's address, as in every client command.
A remote repository is checked before it is saved (it answers, the credential works, the default
branch exists); the check's result is printed. See docs/github.md for the token's permissions.`,
    )
    .action(async (name: string, flags: RepoAddFlags) => {
      const body = repositoryBodyOf(name, flags)
      const client = clientOf(flags)
      const squad = await resolveSquad(client, flags.squad)
      const created = await client
        .post<Repository>(`/api/v1/squads/${squad.id}/repositories`, body)
        .catch((error: unknown) => {
          throw inFlagTerms(error)
        })
      if (flags.json) process.stdout.write(`${JSON.stringify(created, null, 2)}\n`)
      else process.stdout.write(`Added ${describeRepository(created)}`)
    })

  withClientOptions(
    repo
      .command('list')
      .description("List a squad's repositories: id, name, where it lives, default branch, last check")
      .option('--squad <squad>', squadHelp)
      .option('--json', 'print the list as JSON'),
  ).action(async (flags: ClientFlags & { json?: boolean }) => {
    const client = clientOf(flags)
    const page = await client.get<Page<Repository>>(listPath((await resolveSquad(client, flags.squad)).id))
    if (flags.json) return void process.stdout.write(`${JSON.stringify(page.items, null, 2)}\n`)
    for (const r of page.items) {
      const check = r.check
        ? r.check.reachable
          ? 'reachable'
          : 'unreachable'
        : r.kind === 'local'
          ? '-'
          : 'unchecked'
      process.stdout.write(`${r.id}\t${r.name}\t${whereOf(r)}\t${r.default_branch}\t${check}\n`)
    }
  })

  withClientOptions(
    repo
      .command('check <repository>')
      .description(
        'Check a remote repository again: it answers, the credential works, the default branch exists (exit code 1 if not)',
      )
      .option('--squad <squad>', `where to look <repository> up by name: ${squadHelp}`)
      .option('--json', 'print the repository with its check as JSON'),
  )
    .addHelpText(
      'after',
      `
Examples:
  squad repo check 0192f3c4-…                    by id (squad repo list shows it)
  squad repo check webshop --squad Core          by name`,
    )
    .action(async (repository: string, flags: ClientFlags & { json?: boolean }) => {
      const client = clientOf(flags)
      let id = repository
      if (!uuidLike.test(repository)) {
        const squad = await resolveSquad(client, flags.squad)
        const page = await client.get<Page<Repository>>(listPath(squad.id))
        const found = page.items.find((r) => r.name === repository)
        if (!found)
          throw new Error(
            `No repository named "${repository}" in squad "${squad.name}" (it has: ${page.items.map((r) => r.name).join(', ') || 'none'})`,
          )
        id = found.id
      }
      const checked = await client.post<Repository>(`/api/v1/repositories/${encodeURIComponent(id)}/check`)
      if (flags.json) process.stdout.write(`${JSON.stringify(checked, null, 2)}\n`)
      else process.stdout.write(describeRepository(checked))
      if (checked.check && !checked.check.reachable) process.exitCode = 1
    })
}
