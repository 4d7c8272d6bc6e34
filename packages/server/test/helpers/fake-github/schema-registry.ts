import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { default as addFormatsModule } from 'ajv-formats'

// One Ajv instance holding the components of both committed extracts (openapi/*.json). GitHub's REST
// description is OpenAPI 3.0 (`nullable`, `x-*` keywords, `$ref` into components); its webhooks
// description is 3.1 (type arrays). Both are rewritten once into plain JSON Schema Ajv understands.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
export type JsonObject = { [key: string]: JsonValue }

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function readExtract(name: string): JsonObject {
  const value: JsonValue = JSON.parse(readFileSync(new URL(`./openapi/${name}`, import.meta.url), 'utf8'))
  if (!isObject(value)) throw new Error(`${name} is not a JSON object`)
  return value
}

/**
 * OpenAPI 3.0 schema → JSON Schema: `nullable: true` becomes "or null" (Ajv's own `nullable` support
 * needs a sibling `type`, which GitHub's `$ref`/`oneOf` nullables lack), and component references
 * point at the schemas registered under `prefix`.
 */
export function toJsonSchema(value: JsonValue, prefix: string): JsonValue {
  if (Array.isArray(value)) return value.map((item) => toJsonSchema(item, prefix))
  if (!isObject(value)) return value
  const out: JsonObject = {}
  for (const [key, child] of Object.entries(value)) {
    if (key === 'nullable') continue
    if (key === '$ref' && typeof child === 'string') {
      out.$ref = child.replace(/^#\/components\/schemas\//, `${prefix}/`)
      continue
    }
    // Property names are data, not keywords: keep them, convert the schemas under them.
    out[key] = toJsonSchema(child, prefix)
  }
  if (value.nullable === true) return { anyOf: [out, { type: 'null' }] }
  return out
}

// ajv-formats is CommonJS with a default export; under nodenext its namespace is what `default` gives.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

export class SchemaRegistry {
  readonly ajv: Ajv
  private readonly cache = new Map<string, ValidateFunction>()

  constructor() {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true })
    addFormats(this.ajv)
    // GitHub's own format names: an `owner/name` repository reference.
    this.ajv.addFormat('repo.nwo', /^[\w.-]+\/[\w.-]+$/)
    // Documents the meaning of a number or string (GitHub applies it to both); nothing to check.
    this.ajv.addFormat('timestamp', true)
  }

  /** Registers every `components.schemas` entry of an extract under `prefix/<name>` (prefix: a URI). */
  addComponents(document: JsonObject, prefix: string) {
    const components = document.components
    const schemas = isObject(components) ? components.schemas : undefined
    if (!isObject(schemas)) return
    for (const [name, schema] of Object.entries(schemas)) {
      const converted = toJsonSchema(schema, prefix)
      if (isObject(converted)) this.ajv.addSchema(converted, `${prefix}/${name}`)
    }
  }

  /** Validates `data` against a schema (already converted), compiled once per `key`. */
  validate(key: string, schema: JsonValue, data: unknown): string[] {
    let check = this.cache.get(key)
    if (!check) {
      check = isObject(schema) ? this.ajv.compile(schema) : this.ajv.compile({})
      this.cache.set(key, check)
    }
    return check(data) ? [] : formatErrors(check.errors ?? [])
  }
}

export function formatErrors(errors: ErrorObject[]): string[] {
  return errors.slice(0, 20).map((error) => {
    const params = JSON.stringify(error.params)
    return `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'} ${params}`
  })
}
