// The pieces bench/board.ts and bench/terminal.ts share: a real server in this process (PGlite in a
// temporary folder, no queue worker, so nothing runs that the bench did not start), the built web
// app, a JSON client, and Chromium with a long-task recorder.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import type { Page } from 'playwright-core'
import { loadConfig } from '../packages/server/src/config.ts'
import { type RunningServer, startServer } from '../packages/server/src/server.ts'
import { ensureBuilt } from '../packages/web/scripts/ensure-built.ts'

export type BenchServer = {
  server: RunningServer
  api: <T>(method: string, path: string, body?: unknown) => Promise<T>
  stop(): Promise<void>
}

export async function startBenchServer(): Promise<BenchServer> {
  if (!ensureBuilt({ quiet: true })) throw new Error('the web app could not be built: run npm run build:web')
  const dir = mkdtempSync(join(tmpdir(), 'squad-bench-web-'))
  const config = loadConfig({
    env: {},
    cwd: dir,
    overrides: {
      PORT: '0',
      HOST: '127.0.0.1',
      SQUAD_AUTH: 'none',
      SQUAD_DATA_DIR: join(dir, 'data'),
      SQUAD_LOG_LEVEL: 'silent',
      SQUAD_WORKER: 'false',
    },
  })
  const server = await startServer(config, { logger: pino({ level: 'silent' }) })
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`)
    return (text ? JSON.parse(text) : undefined) as T
  }
  return {
    server,
    api,
    async stop() {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Records every main-thread task over 50 ms (PerformanceObserver `longtask`) from the page's start. */
export const recordLongTasks = (page: Page) =>
  page.addInitScript(`
    window.__longTasks = []
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration })
    }).observe({ type: 'longtask', buffered: true })
  `)

/** The longest recorded long task (0: none over 50 ms) and how many exceeded 100 ms, since `sinceMs`. */
export async function longTasks(
  page: Page,
  sinceMs = 0,
): Promise<{ longest: number; over100: number; count: number }> {
  return page.evaluate<{ longest: number; over100: number; count: number }>(`(() => {
    const tasks = (window.__longTasks || []).filter((t) => t.start + t.duration >= ${sinceMs})
    return {
      longest: Math.round(Math.max(0, ...tasks.map((t) => t.duration))),
      over100: tasks.filter((t) => t.duration > 100).length,
      count: tasks.length,
    }
  })()`)
}

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}
