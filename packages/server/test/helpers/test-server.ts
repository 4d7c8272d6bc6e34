import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino, { type Logger } from 'pino'
import { ensureLocalToken } from '../../src/auth/local-token.ts'
import { loadConfig } from '../../src/config.ts'
import type { EngineOptions } from '../../src/executions/start-engine.ts'
import { type RunningServer, type StartServerOptions, startServer } from '../../src/server.ts'
import { createTestDatabase, type TestDatabase } from './test-db.ts'

export type TestServer = RunningServer & {
  db: TestDatabase
  /**
   * With auth off: the local user's token, as `squad serve` keeps it (auth/local-token.ts). A push
   * needs it even then, and /metrics needs an admin's token; with token auth, null.
   */
  localToken: string | null
  /** JSON request against the running server; `token` becomes a Bearer header. */
  request(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; json: unknown; headers: Headers }>
  stop(): Promise<void>
}

/** A real server on a random loopback port over a fresh test database (PGlite or Postgres). */
export async function startTestServer(
  options: {
    auth?: 'none' | 'token'
    env?: Record<string, string>
    db?: TestDatabase
    engineTuning?: EngineOptions['tuning']
    /** The pipeline's forge for a repository (see startServer); default the local forge. */
    forgeFor?: StartServerOptions['forgeFor']
    /** Wraps the sandbox provider (see startServer). */
    wrapSandboxes?: StartServerOptions['wrapSandboxes']
    /** Default: silent. Pass one writing to an array to assert on what the server logs. */
    logger?: Logger
  } = {},
): Promise<TestServer> {
  const db = options.db ?? (await createTestDatabase())
  // Each server gets its own data folder: the local forge, repository cache and sandboxes live there.
  const dataDir = options.env?.SQUAD_DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'squad-test-')))
  const config = loadConfig({
    env: {},
    cwd: '/nonexistent',
    overrides: {
      PORT: '0',
      HOST: '127.0.0.1',
      SQUAD_AUTH: options.auth ?? 'none',
      SQUAD_DATA_DIR: dataDir,
      SQUAD_VALIDATE_RESPONSES: 'true',
      SQUAD_LOG_LEVEL: 'silent',
      // Tests that run executions turn the worker on; the rest insert execution rows of their own.
      SQUAD_WORKER: 'false',
      ...options.env,
    },
  })
  const server = await startServer(config, {
    database: db.database,
    logger: options.logger ?? pino({ level: 'silent' }),
    ...(options.engineTuning ? { engineTuning: options.engineTuning } : {}),
    ...(options.forgeFor ? { forgeFor: options.forgeFor } : {}),
    ...(options.wrapSandboxes ? { wrapSandboxes: options.wrapSandboxes } : {}),
  })
  const localToken =
    server.deps.authMode === 'none'
      ? await ensureLocalToken({
          db: server.deps.database.db,
          localUser: server.deps.localUser,
          dataDir,
          urls: [server.deps.localForge.baseUrl()],
        })
      : null
  const request: TestServer['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`
    let body: string | undefined = opts.raw
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body)
      headers['content-type'] ??= 'application/json'
    }
    const res = await fetch(`${server.url}${path}`, { method, headers, body })
    const text = await res.text()
    let json: unknown = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = text
    }
    return { status: res.status, json, headers: res.headers }
  }
  return {
    ...server,
    db,
    localToken,
    request,
    async stop() {
      // Kill every sandbox (and unmount its workspace) before the data folder goes.
      if (!options.env?.SQUAD_DATA_DIR) await server.sandboxes.cleanupOrphans([]).catch(() => {})
      await server.close()
      if (!options.db) await db.drop()
      if (!options.env?.SQUAD_DATA_DIR) await rm(dataDir, { recursive: true, force: true }).catch(() => {})
    },
  }
}
