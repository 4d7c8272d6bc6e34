import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mountStatic } from '../../src/http/static.ts'

describe('web app static serving', () => {
  let root: string
  let app: Hono

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'squad-static-'))
    mkdirSync(join(root, 'assets'))
    writeFileSync(join(root, 'index.html'), '<!doctype html><div id="root"></div>')
    writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)')
    writeFileSync(join(root, 'favicon.svg'), '<svg/>')
    writeFileSync(join(tmpdir(), 'squad-static-secret.txt'), 'secret')
    app = new Hono()
    app.get('/api/v1/health', (c) => c.json({ status: 'ok' }))
    mountStatic(app, { root })
    app.notFound((c) => c.json({ error: { code: 'not_found' } }, 404))
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('serves index.html at / and for client routes, never cached', async () => {
    for (const path of ['/', '/squads/0190/settings', '/executions/abc']) {
      const res = await app.request(path)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/html')
      expect(res.headers.get('cache-control')).toBe('no-cache')
      expect(await res.text()).toContain('id="root"')
    }
  })

  it('serves hashed assets with a year-long immutable cache, other files briefly', async () => {
    const asset = await app.request('/assets/index-abc123.js')
    expect(asset.headers.get('content-type')).toContain('text/javascript')
    expect(asset.headers.get('cache-control')).toContain('immutable')
    const icon = await app.request('/favicon.svg')
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
    expect(icon.headers.get('cache-control')).toBe('public, max-age=3600')
  })

  it('never answers for /api, /git or /metrics, nor for a missing asset', async () => {
    expect(await (await app.request('/api/v1/health')).json()).toEqual({ status: 'ok' })
    for (const path of ['/api/v1/nope', '/git/x/y.git/info/refs', '/metrics', '/assets/missing.js'])
      expect((await app.request(path)).status).toBe(404)
  })

  it('does not leave its folder', async () => {
    for (const path of [
      '/../squad-static-secret.txt',
      '/%2e%2e/squad-static-secret.txt',
      '/assets/..%2f..%2fsquad-static-secret.txt',
    ]) {
      const res = await app.request(path)
      expect(await res.text()).not.toContain('secret')
    }
  })

  it('says how to build the app when it is missing', async () => {
    const bare = new Hono()
    mountStatic(bare, { root: join(root, 'nowhere') })
    const res = await bare.request('/squads/x')
    expect(res.status).toBe(503)
    expect(await res.text()).toContain('npm run build:web')
  })
})
