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
import { toRepositoryDto } from '../../repositories/repository-dto.ts'
import { updateRepository } from '../../repositories/update-repository.ts'
import { defineRoute } from '../route.ts'

const IdParams = z.object({ id: Id })
const tag = 'repositories'

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
      'file:// URLs must lie under SQUAD_LOCAL_REPO_ROOTS. A name already used in the squad answers 409.',
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
