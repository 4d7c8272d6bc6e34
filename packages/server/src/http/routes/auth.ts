import { ApiToken, CreatedToken, CreateTokenBody, CreateUserBody, Id, User } from '@agent-squad/contract'
import { eq } from 'drizzle-orm'
import { z } from 'zod'
import { createToken } from '../../auth/create-token.ts'
import { createUser } from '../../auth/create-user.ts'
import { listTokens } from '../../auth/list-tokens.ts'
import { revokeToken } from '../../auth/revoke-token.ts'
import { toUserDto } from '../../auth/user-dto.ts'
import { users } from '../../db/schema.ts'
import { AppError, notFound } from '../../domain/errors.ts'
import { defineRoute } from '../route.ts'

const tag = 'auth'

export const authRoutes = [
  defineRoute({
    method: 'get',
    path: '/me',
    tag,
    summary: 'The user this request is authenticated as',
    response: User,
    handler: async ({ deps, user }) => {
      const [row] = await deps.database.db.select().from(users).where(eq(users.id, user.id))
      if (!row) throw notFound('User', user.id)
      return toUserDto(row)
    },
  }),
  defineRoute({
    method: 'post',
    path: '/users',
    tag,
    summary: 'Create a user (admins only)',
    body: CreateUserBody,
    status: 201,
    response: User,
    handler: ({ deps, user, body }) => {
      if (!user.isAdmin) throw new AppError('forbidden', 'Only an admin can create users')
      return createUser({ db: deps.database.db, input: body })
    },
  }),
  defineRoute({
    method: 'get',
    path: '/tokens',
    tag,
    summary: 'List your API tokens (never their values)',
    response: z.object({ items: z.array(ApiToken), next_cursor: z.null() }),
    handler: async ({ deps, user }) => ({
      items: await listTokens({ db: deps.database.db, actor: user }),
      next_cursor: null,
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/tokens',
    tag,
    summary: 'Create an API token; its value is shown in this response only',
    body: CreateTokenBody,
    status: 201,
    response: CreatedToken,
    handler: ({ deps, user, body }) => createToken({ db: deps.database.db, actor: user, input: body }),
  }),
  defineRoute({
    method: 'delete',
    path: '/tokens/:id',
    tag,
    summary: 'Revoke one of your API tokens',
    params: z.object({ id: Id }),
    status: 204,
    handler: async ({ deps, user, params }) => {
      await revokeToken({ db: deps.database.db, actor: user, tokenId: params.id })
      return undefined
    },
  }),
]
