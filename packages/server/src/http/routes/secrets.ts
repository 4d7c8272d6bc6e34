import { Id, PutSecretBody, Secret, SecretList } from '@agent-squad/contract'
import { z } from 'zod'
import { deleteSecret } from '../../secrets/delete-secret.ts'
import { listSecrets } from '../../secrets/list-secrets.ts'
import { putSecret } from '../../secrets/put-secret.ts'
import { defineRoute } from '../route.ts'

const IdParams = z.object({ id: Id })
// The name is checked by the use case, so a malformed one answers 422 saying why, not 404.
const NameParams = z.object({ id: Id, name: z.string().max(200) })
const tag = 'secrets'

export const secretRoutes = [
  defineRoute({
    method: 'get',
    path: '/squads/:id/secrets',
    tag,
    summary: "List a squad's secrets (names and dates, never values)",
    params: IdParams,
    response: SecretList,
    handler: ({ deps, user, params }) => listSecrets({ db: deps.database.db, user, squadId: params.id }),
  }),
  defineRoute({
    method: 'put',
    path: '/squads/:id/secrets/:name',
    tag,
    summary: 'Store a secret, or replace its value',
    description:
      'Names look like environment variables (`^[A-Z_][A-Z0-9_]{0,63}$`); values are 1 byte to 10 KiB. ' +
      'The value is encrypted at rest (AES-256-GCM) and never returned. Agents of the squad read it like ' +
      "an environment variable that wins over the server's (e.g. `OPENAI_API_KEY`, or the name in an agent's " +
      '`config.api_key_env`). Answers 201 when created, 200 when replaced.',
    params: NameParams,
    body: PutSecretBody,
    response: Secret,
    handler: async ({ deps, user, params, body, c }) => {
      const { secret, created } = await putSecret({
        db: deps.database.db,
        box: deps.secretBox,
        user,
        squadId: params.id,
        name: params.name,
        input: body,
      })
      // A handler's own Response keeps its status: 201 for a new secret, 200 for a replaced one.
      return created ? c.json(secret, 201) : secret
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/squads/:id/secrets/:name',
    tag,
    summary: 'Delete a secret',
    params: NameParams,
    status: 204,
    handler: async ({ deps, user, params }) => {
      await deleteSecret({ db: deps.database.db, user, squadId: params.id, name: params.name })
      return undefined
    },
  }),
]
