import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, test } from 'vitest'
import { SERVED_ROUTES } from '../helpers/fake-e2b/control-plane.ts'
import { filesystemService, processService } from '../helpers/fake-e2b/envd-descriptors.ts'
import { ENVD_REST_ROUTES } from '../helpers/fake-e2b/envd-server.ts'
import { filesystemServiceImpl } from '../helpers/fake-e2b/filesystem-service.ts'
import { processServiceImpl } from '../helpers/fake-e2b/process-service.ts'

// The fake E2B cannot drift from the protocol the pinned SDK speaks: every route it serves, with its
// method and every status it can answer, must be an operation of the OpenAPI `paths` the SDK ships
// (generated from E2B's spec: `paths` for the control plane, `paths$1` for envd, in
// node_modules/e2b/dist/index.d.ts), and every Connect method it implements must be a method of the
// SDK's own service descriptors.

type Operations = Map<string, Map<string, Set<number>>>

/** path → method → response statuses, read from one generated `interface <name> {…}` block. */
function readPaths(source: string, name: string): Operations {
  const lines = source.split('\n')
  const start = lines.indexOf(`interface ${name} {`)
  if (start < 0) throw new Error(`the e2b typings have no interface ${name}`)
  const operations: Operations = new Map()
  let path: Map<string, Set<number>> | undefined
  let statuses: Set<number> | undefined
  let inResponses = false
  for (const line of lines.slice(start + 1)) {
    if (line === '}') break
    const pathKey = /^ {2}"([^"]+)": \{$/.exec(line)
    if (pathKey) {
      path = new Map()
      operations.set(pathKey[1] as string, path)
      continue
    }
    const method = /^ {4}(get|put|post|delete|patch|head|options|trace): \{$/.exec(line)
    if (method && path) {
      statuses = new Set()
      path.set(method[1] as string, statuses)
      inResponses = false
      continue
    }
    if (/^ {4}\S/.test(line)) statuses = undefined
    if (/^ {6}responses: \{$/.test(line)) inResponses = true
    else if (/^ {6}\S/.test(line)) inResponses = false
    const status = /^ {8}(\d{3}): /.exec(line)
    if (status && inResponses && statuses) statuses.add(Number(status[1]))
  }
  return operations
}

const typings = readFileSync(
  createRequire(import.meta.url)
    .resolve('e2b')
    .replace(/index\.js$/, 'index.d.ts'),
  'utf8',
)

describe('fake E2B against the SDK-shipped OpenAPI and service descriptors', () => {
  test.each([
    ['control plane', 'paths', SERVED_ROUTES],
    ['envd', 'paths$1', ENVD_REST_ROUTES],
  ] as const)('%s: every served route, method and status is in the spec', (_, name, routes) => {
    const spec = readPaths(typings, name)
    expect(spec.size).toBeGreaterThan(2) // the reader found the block
    for (const route of routes) {
      const statuses = spec.get(route.path)?.get(route.method)
      expect(statuses, `${route.method.toUpperCase()} ${route.path}`).toBeDefined()
      expect(
        [...route.statuses].filter((status) => !statuses?.has(status)),
        `${route.method} ${route.path}`,
      ).toEqual([])
    }
  })

  test('every Connect method implemented is one of the SDK descriptors', () => {
    for (const [service, impl] of [
      [processService, processServiceImpl(() => undefined as never)],
      [filesystemService, filesystemServiceImpl(() => undefined as never)],
    ] as const) {
      const names = service.methods.map((method) => method.localName)
      expect(
        Object.keys(impl).filter((key) => !names.includes(key)),
        service.typeName,
      ).toEqual([])
    }
    // What the SDK calls for commands and files is there.
    expect(processService.methods.map((m) => m.name)).toEqual(
      expect.arrayContaining(['Start', 'Connect', 'List', 'SendInput', 'CloseStdin', 'SendSignal']),
    )
  })
})
