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
      '`{ name }` creates a repository on the built-in local forge; `{ name, url }` connects a remote. ' +
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
    summary: "Change a repository's default branch",
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
