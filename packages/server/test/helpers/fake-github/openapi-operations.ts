import {
  isObject,
  type JsonObject,
  type JsonValue,
  readExtract,
  type SchemaRegistry,
  toJsonSchema,
} from './schema-registry.ts'

// The served REST operations as the committed extract describes them: the route table (method and path
// template → operationId) and the checks of each request's parameters and body, and each response's
// status and body. A failed check is a violation the test sees (fake.violations), never a silent pass.

export type Violation = { operationId: string; phase: 'request' | 'response' | 'webhook'; problems: string[] }

export type Operation = {
  operationId: string
  method: string
  template: string
  pattern: RegExp
  names: string[]
  spec: JsonObject
  documentationUrl: string
}

/** Absolute, so a reference from one component to another resolves to the same place. */
const PREFIX = 'https://fake-github.test/rest'

export class OperationCatalog {
  readonly operations: Operation[] = []
  readonly source: string
  private readonly document: JsonObject
  private readonly registry: SchemaRegistry

  constructor(registry: SchemaRegistry) {
    this.registry = registry
    this.document = readExtract('api.github.com.operations.json')
    const meta = this.document['x-extract']
    this.source = isObject(meta) && typeof meta.source === 'string' ? meta.source : 'unknown'
    registry.addComponents(this.document, PREFIX)
    const paths = isObject(this.document.paths) ? this.document.paths : {}
    for (const [template, item] of Object.entries(paths)) {
      if (!isObject(item)) continue
      for (const [method, spec] of Object.entries(item)) {
        if (!isObject(spec) || typeof spec.operationId !== 'string') continue
        const names: string[] = []
        // `{path}` (repos/get-content) is a file path and may hold slashes; other parameters may not.
        const source = template
          .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
          .replace(/\{(\w+)\}/g, (_, name: string) => {
            names.push(name)
            return name === 'path' ? '(.*)' : '([^/]+)'
          })
        const docs =
          isObject(spec.externalDocs) && typeof spec.externalDocs.url === 'string'
            ? spec.externalDocs.url
            : ''
        this.operations.push({
          operationId: spec.operationId,
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${source}$`),
          names,
          spec,
          documentationUrl: docs,
        })
      }
    }
    // Literal segments win over parameters (GET /repos/{owner}/{repo}/installation before any {x}).
    this.operations.sort((a, b) => a.names.length - b.names.length)
  }

  byId(operationId: string): Operation | undefined {
    return this.operations.find((op) => op.operationId === operationId)
  }

  match(method: string, path: string): { operation: Operation; params: Record<string, string> } | null {
    for (const operation of this.operations) {
      if (operation.method !== method) continue
      const found = operation.pattern.exec(path)
      if (!found) continue
      const params: Record<string, string> = {}
      operation.names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1] ?? '')
      })
      return { operation, params }
    }
    return null
  }

  /** A `$ref` into the extract's components (parameters, responses), followed. */
  private deref(value: JsonValue | undefined): JsonObject | undefined {
    if (!isObject(value)) return undefined
    if (typeof value.$ref !== 'string') return value
    const [, , kind = '', name = ''] = value.$ref.split('/')
    const components = this.document.components
    const section = isObject(components) ? components[kind] : undefined
    return this.deref(isObject(section) ? section[name] : undefined)
  }

  /** Checks path and query parameters (coerced from strings as the schema says) and the JSON body. */
  checkRequest(
    operation: Operation,
    input: { path: Record<string, string>; query: URLSearchParams; body: unknown },
  ): { problems: string[]; query: Record<string, unknown>; path: Record<string, unknown> } {
    const problems: string[] = []
    const out = { query: {} as Record<string, unknown>, path: {} as Record<string, unknown> }
    const declared = new Set<string>()
    const parameters = Array.isArray(operation.spec.parameters) ? operation.spec.parameters : []
    for (const raw of parameters) {
      const parameter = this.deref(raw)
      if (!parameter || (parameter.in !== 'path' && parameter.in !== 'query')) continue
      const name = String(parameter.name)
      declared.add(name)
      const schema = toJsonSchema(parameter.schema ?? {}, PREFIX)
      const text = parameter.in === 'path' ? input.path[name] : (input.query.get(name) ?? undefined)
      if (text === undefined) {
        if (parameter.required === true) problems.push(`${parameter.in} parameter "${name}" is required`)
        continue
      }
      const value = coerce(text, schema, parameter.in === 'query' ? input.query.getAll(name) : [text])
      const key = `${operation.operationId} ${parameter.in} ${name}`
      for (const problem of this.registry.validate(key, schema, value))
        problems.push(`${parameter.in} parameter "${name}": ${problem}`)
      out[parameter.in][name] = value
    }
    for (const name of new Set(input.query.keys()))
      if (!declared.has(name)) problems.push(`query parameter "${name}" is not in the description`)
    const requestBody = this.deref(operation.spec.requestBody)
    const content =
      requestBody && isObject(requestBody.content) ? requestBody.content['application/json'] : undefined
    if (input.body === undefined) {
      if (requestBody?.required === true) problems.push('a JSON body is required')
    } else if (!isObject(content)) {
      problems.push('the operation takes no JSON body')
    } else {
      const schema = toJsonSchema(content.schema ?? {}, PREFIX)
      for (const problem of this.registry.validate(`${operation.operationId} body`, schema, input.body))
        problems.push(`body ${problem}`)
    }
    return { problems, ...out }
  }

  /** Checks a response: a success status must be documented, and a documented JSON body must match. */
  checkResponse(operation: Operation, status: number, body: unknown): string[] {
    const responses = isObject(operation.spec.responses) ? operation.spec.responses : {}
    const response = this.deref(responses[String(status)])
    if (!response)
      return status < 300 ? [`status ${status} is not documented for ${operation.operationId}`] : []
    const content = isObject(response.content) ? response.content['application/json'] : undefined
    if (!isObject(content) || content.schema === undefined) return []
    const schema = toJsonSchema(content.schema, PREFIX)
    return this.registry
      .validate(`${operation.operationId} ${status}`, schema, body)
      .map((p) => `response ${status} ${p}`)
  }
}

/** A query or path string as the value its schema describes (GitHub's form encoding of arrays: a,b). */
function coerce(text: string, schema: JsonValue, all: string[]): unknown {
  const type = isObject(schema) ? schema.type : undefined
  if (type === 'integer' || type === 'number')
    return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text
  if (type === 'array') return all.length > 1 ? all : text.split(',')
  return text
}
