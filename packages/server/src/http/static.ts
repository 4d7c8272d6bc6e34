import { readFile, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Hono } from 'hono'

/** Where `npm run build:web` (run by `npm ci`) puts the web app. */
export const defaultWebRoot = fileURLToPath(new URL('../../../web/dist/', import.meta.url))

/** Paths that belong to the server, never to the web app. */
const reserved = /^\/(api|git|metrics)(\/|$)/

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

const notBuilt = `<!doctype html><meta charset="utf-8"><title>Agent Squad</title>
<body style="font:16px system-ui;max-width:40rem;margin:4rem auto;padding:0 1rem">
<h1>The web app is not built</h1>
<p>The API works (<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>), but <code>packages/web/dist</code> is missing.
Run <code>npm run build:web</code> (<code>npm ci</code> does it too), then reload this page.</p></body>`

async function fileAt(root: string, urlPath: string): Promise<string | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const path = resolve(root, `.${decoded}`)
  if (path !== root && !path.startsWith(root + sep)) return null
  const info = await stat(path).catch(() => null)
  return info?.isFile() ? path : null
}

/**
 * Serves the built single-page app at `/`: its files as they are (hashed assets cached for a year,
 * everything else revalidated), and index.html for any other path without a file extension, so
 * client routes such as /squads/… survive a reload. Mounted last: /api, /git and /metrics are
 * never answered from here.
 */
export function mountStatic(app: Hono, options: { root?: string } = {}) {
  const root = resolve(options.root ?? defaultWebRoot)
  app.get('*', async (c, next) => {
    const urlPath = c.req.path
    if (reserved.test(urlPath)) return next()
    let path = await fileAt(root, urlPath)
    const isFile = path !== null
    if (!path) {
      // A missing asset (with an extension) is a 404, not the app.
      if (extname(urlPath)) return next()
      path = await fileAt(root, '/index.html')
      if (!path) return c.html(notBuilt, 503)
    }
    const body = await readFile(path)
    const immutable = isFile && urlPath.startsWith('/assets/')
    return c.body(body, 200, {
      'content-type': types[extname(path)] ?? 'application/octet-stream',
      'cache-control': immutable
        ? 'public, max-age=31536000, immutable'
        : extname(path) === '.html'
          ? 'no-cache'
          : 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    })
  })
}
