import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { apiRoutes } from '../src/http/app.ts'

describe('docs/api.md', () => {
  it('lists every REST operation the server has', () => {
    const doc = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8')
    const missing = apiRoutes
      .map((r) => `${r.method.toUpperCase()} /api/v1${r.path}`)
      .filter((op) => !doc.includes(`\`${op}\``))
    expect(missing).toEqual([])
  })
})
