import type { Forge } from '../forge.ts'
import type { GitHubAuthSource, GitHubRepo } from './github-auth.ts'
import type { GitHubClient } from './github-client.ts'
import { statusOf } from './github-errors.ts'

type Permission = Awaited<ReturnType<NonNullable<Forge['permissionOf']>>>

/** Who the server acts as: a token's user, or an App's bot (`slug[bot]`, the author of its comments). */
export async function gitHubIdentity(input: {
  api: GitHubClient
  repo: GitHubRepo
  auth: GitHubAuthSource
}): Promise<{ login: string }> {
  if (input.repo.auth.kind === 'app') {
    const app = await input.auth.appClient(input.repo)
    const { data } = await app.request('GET /app')
    return { login: `${data?.slug ?? ''}[bot]` }
  }
  const { data } = await input.api.request('GET /user')
  return { login: data.login }
}

const levels = new Set<Permission>(['admin', 'maintain', 'write', 'triage', 'read', 'none'])

/** A person's permission on the repository (a custom role reads as its base); not a collaborator: none. */
export async function gitHubPermissionOf(input: {
  api: GitHubClient
  repo: GitHubRepo
  login: string
}): Promise<Permission> {
  try {
    const { data } = await input.api.request(
      'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
      {
        owner: input.repo.owner,
        repo: input.repo.name,
        username: input.login,
      },
    )
    const role = data.role_name as Permission
    if (levels.has(role)) return role
    return levels.has(data.permission as Permission) ? (data.permission as Permission) : 'none'
  } catch (error) {
    if (statusOf(error) === 404) return 'none'
    throw error
  }
}
