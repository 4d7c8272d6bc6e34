import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Db } from '../../db/database.ts'
import { AppError } from '../../domain/errors.ts'
import { isSshRemote } from '../../git/remote-url.ts'
import { readSquadSecret } from '../../secrets/read-squad-secret.ts'
import type { SecretBox } from '../../secrets/secret-box.ts'
import type { Forge, GitCredentials, RepoRef } from '../forge.ts'
import { checkRemote } from './check-remote.ts'
import { remoteCredential } from './remote-credential.ts'

export type GitForgeOpts = {
  db: Db
  /** Opens the squad secret a repository names as its credential. */
  secretBox: SecretBox
  /** Where each repository's known_hosts lives (`<dataDir>/known-hosts/<repository id>`). */
  knownHostsDir: string
  /** How long a repository check may take (default 15 s). */
  checkTimeoutMs?: number
}

/**
 * Any git remote (GitLab, Gitea, Bitbucket, a server of one's own…), over https with a token or
 * ssh with a private key, both kept as a squad secret (`credential_secret`). Git only: there is no
 * pull-request API, so a run ends with its branch pushed and a person opens the pull request there.
 */
export function createGitForge(opts: GitForgeOpts): Forge {
  const remote = (repo: RepoRef) => {
    if (repo.kind !== 'remote' || !repo.url)
      throw new AppError('internal', `Repository ${repo.name} is not a git remote connected by URL`)
    return repo.url
  }
  const knownHostsFile = (repo: RepoRef) => join(opts.knownHostsDir, repo.id)

  async function credentials(repo: RepoRef): Promise<GitCredentials> {
    const url = remote(repo)
    const ssh = isSshRemote(url)
    if (!repo.credentialSecret) {
      // Without a key of its own, ssh would offer the server's account's keys: never.
      if (ssh)
        throw new AppError(
          'validation_failed',
          `The ssh remote ${url} needs a private key: store it as a squad secret and name it in credential_secret`,
          { details: { problem: 'credential' } },
        )
      return null
    }
    const value = await readSquadSecret({
      db: opts.db,
      box: opts.secretBox,
      squadId: repo.squadId,
      name: repo.credentialSecret,
    })
    if (value === undefined)
      throw new AppError(
        'validation_failed',
        `The squad has no secret named ${repo.credentialSecret} (the repository's credential_secret): store it first`,
        { details: { problem: 'credential', secret: repo.credentialSecret } },
      )
    if (ssh) await mkdir(opts.knownHostsDir, { recursive: true, mode: 0o700 })
    return remoteCredential({
      secretName: repo.credentialSecret,
      value,
      ssh,
      knownHostsFile: knownHostsFile(repo),
    })
  }

  return {
    name: 'git',
    capabilities: { pullRequests: false, merge: false, checks: false },
    cloneUrl: (repo) => remote(repo),
    credentials: (repo) => credentials(repo),
    async ensureRepository() {
      // The remote is someone else's: nothing to create.
    },
    async checkRepository(repo) {
      return checkRemote({
        url: remote(repo),
        credentials: await credentials(repo),
        defaultBranch: repo.defaultBranch,
        ...(opts.checkTimeoutMs ? { timeoutMs: opts.checkTimeoutMs } : {}),
      })
    },
    async findOpenPullRequest() {
      return null
    },
    async createPullRequest(draft) {
      throw new AppError(
        'internal',
        `Repository ${draft.repo.name} is a plain git remote without a pull-request API: no pull request can be opened there`,
      )
    },
  }
}
