import { ErrorBody } from '@agent-squad/contract'
import { z } from 'zod'
import { statusOf } from './error-table.ts'
import { type AnyRoute, openApiPath } from './route.ts'

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' })

function parametersOf(route: AnyRoute) {
  const params: object[] = []
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!(schema instanceof z.ZodObject)) return
    for (const [name, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      params.push({
        name,
        in: where,
        required: where === 'path' || !field.safeParse(undefined).success,
        schema: jsonSchema(field, 'input'),
      })
    }
  }
  add(route.params, 'path')
  add(route.query, 'query')
  return params
}

/** Builds the OpenAPI 3.1 document from the same route table and zod schemas that serve requests. */
export function buildOpenApi(routes: AnyRoute[], info: { version: string }) {
  const paths: Record<string, Record<string, object>> = {}
  const errorSchema = jsonSchema(ErrorBody, 'output')
  const errorStatuses = [...new Set(Object.values(statusOf))].filter((s) => s !== 500)
  for (const route of routes) {
    const path = `/api/v1${openApiPath(route.path)}`
    const status = String(route.status ?? 200)
    const responses: Record<string, object> = {
      [status]: route.response
        ? {
            description: 'Success',
            content: { 'application/json': { schema: jsonSchema(route.response, 'output') } },
          }
        : { description: 'Success' },
    }
    for (const s of errorStatuses)
      responses[String(s)] = {
        description: 'Error',
        content: { 'application/json': { schema: errorSchema } },
      }
    paths[path] ??= {}
    paths[path][route.method] = {
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      operationId: `${route.method}${openApiPath(route.path)
        .replace(/[{}]/g, '')
        .replace(/[/_-](\w)/g, (_, ch: string) => ch.toUpperCase())}`,
      parameters: parametersOf(route),
      ...(route.body
        ? {
            requestBody: {
              required: !route.bodyOptional,
              content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
            },
          }
        : {}),
      responses,
      ...(route.access === 'public' ? { security: [] } : {}),
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Agent Squad API',
      version: info.version,
      description: 'Squads of AI coding agents that turn Kanban tasks into pull requests.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  }
}
