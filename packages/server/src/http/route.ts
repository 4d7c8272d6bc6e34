import type { Context } from 'hono'
import { z } from 'zod'
import type { AuthUser } from '../auth/auth-user.ts'
import { AppError, notFound } from '../domain/errors.ts'
import type { AppDeps } from './deps.ts'
import { validationError } from './errors.ts'

export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete'

export type RouteInput<P, Q, B> = {
  params: P
  query: Q
  body: B
  user: AuthUser
  deps: AppDeps
  c: Context
}

type Schema = z.ZodType

/**
 * One HTTP operation, described once: the same zod schemas validate the request, shape the
 * response and produce the OpenAPI document. Handlers only call use cases.
 */
export type RouteDef<P extends Schema, Q extends Schema, B extends Schema, R extends Schema> = {
  method: Method
  /** Hono-style path below /api/v1, e.g. `/squads/:id`. */
  path: string
  summary: string
  tag: string
  description?: string
  /** `public` routes answer without a user (health, the OpenAPI document). */
  access?: 'user' | 'public'
  params?: P
  query?: Q
  body?: B
  /** An empty request body counts as `{}` (for actions whose body is all optional). */
  bodyOptional?: boolean
  status?: 200 | 201 | 202 | 204
  response?: R
  handler: (
    input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>,
  ) => Promise<z.input<R> | Response | undefined>
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds routes of every schema; each is checked where defined.
export type AnyRoute = RouteDef<any, any, any, any>

export const defineRoute = <P extends Schema, Q extends Schema, B extends Schema, R extends Schema>(
  route: RouteDef<P, Q, B, R>,
): AnyRoute => route as AnyRoute

/** What the collection before a path parameter holds, as a person names it ("Squad", "Pull request"). */
const kinds: Record<string, string> = {
  squads: 'Squad',
  tasks: 'Task',
  agents: 'Agent',
  repositories: 'Repository',
  executions: 'Execution',
  reviews: 'Review',
  secrets: 'Secret',
  pulls: 'Pull request',
  tokens: 'Token',
  users: 'User',
}

/** The kind of thing `:field` names in `path` (`/squads/:id/board`, id → "Squad"). */
function kindOf(path: string, field: string): string {
  const segments = path.split('/')
  const collection = segments[segments.indexOf(`:${field}`) - 1] ?? ''
  return kinds[collection] ?? 'Item'
}

/** Path ids that are not UUIDs cannot name anything: answer 404 like any other unknown id. */
export function parseParams(route: AnyRoute, raw: Record<string, string>) {
  if (!route.params) return {}
  const parsed = route.params.safeParse(raw)
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? 'id')
    throw notFound(kindOf(route.path, field), raw[field] ?? '')
  }
  return parsed.data
}

export function parseQuery(route: AnyRoute, c: Context) {
  if (!route.query) return {}
  const parsed = route.query.safeParse(c.req.query())
  if (!parsed.success) throw validationError('query', parsed.error)
  return parsed.data
}

export async function parseBody(route: AnyRoute, c: Context) {
  if (!route.body) return undefined
  const text = await c.req.text()
  let json: unknown
  if (text.trim() === '') {
    if (!route.bodyOptional) throw new AppError('bad_request', 'Request body is empty: send a JSON object')
    json = {}
  } else {
    const type = c.req.header('content-type') ?? ''
    if (!/^application\/([\w.+-]*\+)?json\b/i.test(type))
      throw new AppError(
        'unsupported_media_type',
        'Send the body as JSON with "Content-Type: application/json"',
      )
    try {
      json = JSON.parse(text)
    } catch (error) {
      throw new AppError('invalid_json', `Request body is not valid JSON: ${(error as Error).message}`)
    }
  }
  const parsed = route.body.safeParse(json)
  if (!parsed.success) throw validationError('request body', parsed.error)
  return parsed.data
}

export const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}')

export const emptySchema = z.object({})
