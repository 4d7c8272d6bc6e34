import { Agent, AgentListQuery, CreateAgentBody, Id, page, UpdateAgentBody } from '@agent-squad/contract'
import { z } from 'zod'
import { toAgentDto } from '../../agents/agent-dto.ts'
import { createAgent } from '../../agents/create-agent.ts'
import { deleteAgent } from '../../agents/delete-agent.ts'
import { findOwnedAgent } from '../../agents/find-owned-agent.ts'
import { listAgents } from '../../agents/list-agents.ts'
import { updateAgent } from '../../agents/update-agent.ts'
import { defineRoute } from '../route.ts'

const IdParams = z.object({ id: Id })
const tag = 'agents'

export const agentRoutes = [
  defineRoute({
    method: 'get',
    path: '/squads/:id/agents',
    tag,
    summary: "List a squad's agents",
    description: 'Filter with `role` and `is_active=true|false`; pages in creation order.',
    params: IdParams,
    query: AgentListQuery,
    response: page(Agent),
    handler: ({ deps, user, params, query }) =>
      listAgents({ db: deps.database.db, user, squadId: params.id, query }),
  }),
  defineRoute({
    method: 'post',
    path: '/squads/:id/agents',
    tag,
    summary: 'Add an agent to a squad',
    params: IdParams,
    body: CreateAgentBody,
    status: 201,
    response: Agent,
    handler: ({ deps, user, params, body }) =>
      createAgent({ db: deps.database.db, user, squadId: params.id, input: body }),
  }),
  defineRoute({
    method: 'get',
    path: '/agents/:id',
    tag,
    summary: 'Get an agent',
    params: IdParams,
    response: Agent,
    handler: async ({ deps, user, params }) =>
      toAgentDto(await findOwnedAgent(deps.database.db, user, params.id)),
  }),
  defineRoute({
    method: 'patch',
    path: '/agents/:id',
    tag,
    summary: 'Change an agent',
    description: '`config` is merged key by key; set `is_active` to false to pause an agent.',
    params: IdParams,
    body: UpdateAgentBody,
    response: Agent,
    handler: ({ deps, user, params, body }) =>
      updateAgent({ db: deps.database.db, user, agentId: params.id, input: body }),
  }),
  defineRoute({
    method: 'delete',
    path: '/agents/:id',
    tag,
    summary: 'Remove an agent; its tasks become unassigned',
    params: IdParams,
    status: 204,
    handler: async ({ deps, user, params }) => {
      await deleteAgent({ db: deps.database.db, user, agentId: params.id })
      return undefined
    },
  }),
]
