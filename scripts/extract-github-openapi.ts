// Cuts GitHub's published OpenAPI descriptions (@octokit/openapi, @octokit/openapi-webhooks) down to
// what the fake GitHub in packages/server/test/helpers/fake-github serves, and writes the two extracts
// it validates every request, response and webhook payload against. The full descriptions are 13 MB
// and more; the extracts are small enough to commit and to read in a diff.
//
//   node scripts/extract-github-openapi.ts
//
// Kept: the served operations (by operationId) or webhooks (by key) and every component they reference,
// transitively. Dropped: `example`/`examples` (documentation only, and most of the bytes).
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  SERVED_OPERATIONS,
  SERVED_WEBHOOKS,
} from '../packages/server/test/helpers/fake-github/served-operations.ts'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'packages/server/test/helpers/fake-github/openapi')
const require = createRequire(join(root, 'packages/server/package.json'))

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A package's folder and version (its package.json, found next to its main file). */
function packageInfo(name: string): { dir: string; version: string } {
  const dir = dirname(require.resolve(name))
  const manifest: { version: string } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  return { dir, version: manifest.version }
}

function readJson(path: string): JsonObject {
  const value: Json = JSON.parse(readFileSync(path, 'utf8'))
  if (!isObject(value)) throw new Error(`${path} is not a JSON object`)
  return value
}

/** A copy without documentation-only examples. */
function strip(value: Json): Json {
  if (Array.isArray(value)) return value.map(strip)
  if (!isObject(value)) return value
  const out: JsonObject = {}
  for (const [key, child] of Object.entries(value)) {
    if (key === 'example' || key === 'examples') continue
    out[key] = strip(child)
  }
  return out
}

/** Every `#/components/<kind>/<name>` reachable from `start`, followed through the components. */
function referencedComponents(document: JsonObject, start: Json): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>()
  const components = document.components
  if (!isObject(components)) throw new Error('no components in the description')
  const visit = (value: Json) => {
    if (Array.isArray(value)) return value.forEach(visit)
    if (!isObject(value)) return
    const ref = value.$ref
    if (typeof ref === 'string') {
      const match = /^#\/components\/([^/]+)\/([^/]+)$/.exec(ref)
      if (!match?.[1] || !match[2]) throw new Error(`unsupported $ref ${ref}`)
      const [, kind, name] = match
      const names = found.get(kind) ?? new Set<string>()
      found.set(kind, names)
      if (!names.has(name)) {
        names.add(name)
        const section = components[kind]
        const target = isObject(section) ? section[name] : undefined
        if (target === undefined) throw new Error(`dangling $ref ${ref}`)
        visit(strip(target))
      }
    }
    for (const child of Object.values(value)) visit(child)
  }
  visit(start)
  return found
}

function componentsFor(document: JsonObject, start: Json): JsonObject {
  const components = document.components
  if (!isObject(components)) throw new Error('no components in the description')
  const out: JsonObject = {}
  const refs = referencedComponents(document, start)
  for (const kind of [...refs.keys()].sort()) {
    const section = components[kind]
    const names = [...(refs.get(kind) ?? [])].sort()
    const picked: JsonObject = {}
    for (const name of names) if (isObject(section)) picked[name] = strip(section[name] ?? null)
    out[kind] = picked
  }
  return out
}

const written: string[] = []

function write(file: string, value: JsonObject) {
  writeFileSync(join(outDir, file), `${JSON.stringify(value, null, 2)}\n`)
  written.push(join(outDir, file))
  console.log(`wrote ${join('packages/server/test/helpers/fake-github/openapi', file)}`)
}

function extractOperations() {
  const { dir, version } = packageInfo('@octokit/openapi')
  const source = 'generated/api.github.com.json'
  const document = readJson(join(dir, source))
  const wanted = new Set<string>(SERVED_OPERATIONS)
  const paths: JsonObject = {}
  const paths_ = document.paths
  if (!isObject(paths_)) throw new Error('no paths in the description')
  for (const [path, item] of Object.entries(paths_)) {
    if (!isObject(item)) continue
    for (const [method, operation] of Object.entries(item)) {
      if (!isObject(operation) || typeof operation.operationId !== 'string') continue
      if (!wanted.delete(operation.operationId)) continue
      const entry = isObject(paths[path]) ? paths[path] : {}
      entry[method] = strip(operation)
      paths[path] = entry
    }
  }
  if (wanted.size > 0) throw new Error(`not in the description: ${[...wanted].join(', ')}`)
  const info = isObject(document.info) ? document.info : {}
  write('api.github.com.operations.json', {
    'x-extract': {
      source: `@octokit/openapi@${version} ${source}`,
      generator: 'scripts/extract-github-openapi.ts',
      operations: [...SERVED_OPERATIONS],
    },
    openapi: document.openapi ?? null,
    info: { title: info.title ?? null, version: info.version ?? null },
    paths,
    components: componentsFor(document, paths),
  })
}

function extractWebhooks() {
  const { dir, version } = packageInfo('@octokit/openapi-webhooks')
  const source = 'generated/api.github.com.json'
  const document = readJson(join(dir, source))
  const all = document.webhooks
  if (!isObject(all)) throw new Error('no webhooks in the description')
  const webhooks: JsonObject = {}
  for (const key of SERVED_WEBHOOKS) {
    const post = isObject(all[key]) ? all[key].post : undefined
    if (!isObject(post)) throw new Error(`webhook ${key} is not in the description`)
    const body = isObject(post.requestBody) ? post.requestBody.content : undefined
    const schema =
      isObject(body) && isObject(body['application/json']) ? body['application/json'].schema : null
    // The event name (the X-GitHub-Event header) is the subcategory; the action is in the payload.
    const github = post['x-github']
    webhooks[key] = {
      operationId: post.operationId ?? null,
      event: isObject(github) ? (github.subcategory ?? null) : null,
      schema: schema ?? null,
    }
  }
  write('webhooks.extract.json', {
    'x-extract': {
      source: `@octokit/openapi-webhooks@${version} ${source}`,
      generator: 'scripts/extract-github-openapi.ts',
      webhooks: [...SERVED_WEBHOOKS],
    },
    openapi: document.openapi ?? null,
    webhooks,
    components: componentsFor(document, webhooks),
  })
}

extractOperations()
extractWebhooks()
// In the repository's own JSON style, so `biome check` passes and a regeneration diffs only real changes.
execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', ...written], { stdio: 'inherit' })
