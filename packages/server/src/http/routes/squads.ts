import { CreateSquadBody, Id, ListQuery, page, Squad, UpdateSquadBody } from '@agent-squad/contract'
import { z } from 'zod'
import { createSquad } from '../../squads/create-squad.ts'
import { deleteSquad } from '../../squads/delete-squad.ts'
import { findOwnedSquad } from '../../squads/find-owned-squad.ts'
import { listSquads } from '../../squads/list-squads.ts'
import { toSquadDto } from '../../squads/squad-dto.ts'
import { updateSquad } from '../../squads/update-squad.ts'
import { defineRoute } from '../route.ts'

const SquadParams = z.object({ id: Id })
const tag = 'squads'

export const squadRoutes = [
  defineRoute({
    method: 'get',
    path: '/squads',
    tag,
    summary: 'List your squads',
    query: ListQuery,
    response: page(Squad),
    handler: ({ deps, user, query }) => listSquads({ db: deps.database.db, user, query }),
  }),
  defineRoute({
    method: 'post',
    path: '/squads',
    tag,
    summary: 'Create a squad',
    body: CreateSquadBody,
    status: 201,
    response: Squad,
    handler: ({ deps, user, body }) => createSquad({ db: deps.database.db, user, input: body }),
  }),
  defineRoute({
    method: 'get',
    path: '/squads/:id',
    tag,
    summary: 'Get a squad',
    params: SquadParams,
    response: Squad,
    handler: async ({ deps, user, params }) =>
      toSquadDto(await findOwnedSquad(deps.database.db, user, params.id)),
  }),
  defineRoute({
    method: 'patch',
    path: '/squads/:id',
    tag,
    summary: 'Change a squad (name, description, status, config)',
    description: 'Set `status` to `archived` to archive. `config` is merged key by key.',
    params: SquadParams,
    body: UpdateSquadBody,
    response: Squad,
    handler: ({ deps, user, params, body }) =>
      updateSquad({ db: deps.database.db, user, squadId: params.id, input: body }),
  }),
  defineRoute({
    method: 'delete',
    path: '/squads/:id',
    tag,
    summary: 'Delete a squad with its agents, repositories and tasks',
    params: SquadParams,
    status: 204,
    handler: async ({ deps, user, params }) => {
      await deleteSquad({ db: deps.database.db, user, squadId: params.id })
      return undefined
    },
  }),
]
