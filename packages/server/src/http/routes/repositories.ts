import {
  CreateRepositoryBody,
  Id,
  ListQuery,
  page,
  Repository,
  UpdateRepositoryBody,
} from '@agent-squad/contract'
import { z } from 'zod'
import { createRepository } from '../../repositories/create-repository.ts'
import { deleteRepository } from '../../repositories/delete-repository.ts'
import { findOwnedRepository } from '../../repositories/find-owned-repository.ts'
import { listRepositories } from '../../repositories/list-repositories.ts'
import type { ServerAddresses } from '../../repositories/own-forge-problem.ts'
import { recheckRepository } from '../../repositories/recheck-repository.ts'
import { toRepositoryDto } from '../../repositories/repository-dto.ts'
import { updateRepository } from '../../repositories/update-repository.ts'
import type { AppDeps } from '../deps.ts'
import { defineRoute } from '../route.ts'

const IdParams = z.object({ id: Id })
const tag = 'repositories'

/** Where this server is reached, for refusing a repository URL that points back at its own forge. */
function serverAddresses(deps: AppDeps): ServerAddresses {
  const listen = deps.localForge.listenUrl()
  const urls = [deps.localForge.baseUrl(), ...(listen ? [listen] : [])]
  return { urls, port: listen ? Number(new URL(listen).port || 80) : deps.config.PORT }
}

export const repositoryRoutes = [
  defineRoute({
    method: 'get',
    path: '/squads/:id/repositories',
    tag,
    summary: "List a squad's repositories",
    params: IdParams,
    query: ListQuery,
    response: page(Repository),
    handler: ({ deps, user, params, query }) =>
      listRepositories({
        db: deps.database.db,
        user,
        squadId: params.id,
        query,
        gitBaseUrl: deps.localForge.baseUrl(),
      }),
  }),
  defineRoute({
    method: 'post',
    path: '/squads/:id/repositories',
    tag,
    summary: 'Create a local repository or connect a remote one',
    description:
      '`{ name }` creates a repository on the built-in local forge; `{ name, url, credential_secret? }` ' +
      'connects any git remote (https with a token, ssh with a private key, kept as the named squad secret). ' +
      'A remote is checked before it is saved (`git ls-remote`, 15 s at most): unreachable, a refused ' +
      'credential, a missing secret, an empty repository or a missing branch answer 422 saying which ' +
      '(`details.problem`), and nothing is written. Without `default_branch` a remote takes its own. ' +
      'file:// URLs must lie under SQUAD_LOCAL_REPO_ROOTS; a URL of this server itself (its own forge, ' +
      'under any name for this machine) answers 422. A name already used in the squad answers 409.',
    params: IdParams,
    body: CreateRepositoryBody,
    status: 201,
    response: Repository,
    handler: ({ deps, user, params, body }) =>
      createRepository({
        db: deps.database.db,
        user,
        squadId: params.id,
        input: body,
        gitBaseUrl: deps.localForge.baseUrl(),
        localRepoRoots: deps.config.SQUAD_LOCAL_REPO_ROOTS,
        localForge: deps.localForge,
        forgeFor: deps.forgeFor,
        server: serverAddresses(deps),
      }),
  }),
  defineRoute({
    method: 'get',
    path: '/repositories/:id',
    tag,
    summary: 'Get a repository',
    params: IdParams,
    response: Repository,
    handler: async ({ deps, user, params }) =>
      toRepositoryDto(
        await findOwnedRepository(deps.database.db, user, params.id),
        deps.localForge.baseUrl(),
      ),
  }),
  defineRoute({
    method: 'patch',
    path: '/repositories/:id',
    tag,
    summary: "Change a repository's default branch or credential",
    description:
      'A remote is checked again with the new settings before they are saved; a failed check answers 422.',
    params: IdParams,
    body: UpdateRepositoryBody,
    response: Repository,
    handler: ({ deps, user, params, body }) =>
      updateRepository({
        db: deps.database.db,
        user,
        repositoryId: params.id,
        input: body,
        gitBaseUrl: deps.localForge.baseUrl(),
        forgeFor: deps.forgeFor,
      }),
  }),
  defineRoute({
    method: 'post',
    path: '/repositories/:id/check',
    tag,
    summary: 'Check a remote repository again and record the result',
    description:
      'Runs the same check as at creation (it answers with its credential and has its default branch) ' +
      'and returns the repository with the new `check`. A failed check answers 422 with the reason ' +
      '(`details.problem`) and keeps the last good one; a local repository answers 422.',
    params: IdParams,
    response: Repository,
    handler: ({ deps, user, params }) =>
      recheckRepository({
        db: deps.database.db,
        user,
        repositoryId: params.id,
        gitBaseUrl: deps.localForge.baseUrl(),
        forgeFor: deps.forgeFor,
      }),
  }),
  defineRoute({
    method: 'delete',
    path: '/repositories/:id',
    tag,
    summary: 'Forget a repository; its tasks keep existing without one',
    params: IdParams,
    status: 204,
    handler: async ({ deps, user, params }) => {
      await deleteRepository({ db: deps.database.db, user, repositoryId: params.id })
      return undefined
    },
  }),
]
