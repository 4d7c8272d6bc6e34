import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import type { Logger } from 'pino'
import type { AuthMode } from './auth/auth-user.ts'
import { bootstrapAdmin } from './auth/bootstrap-admin.ts'
import { ensureLocalUser } from './auth/ensure-local-user.ts'
import { type Config, isLoopback } from './config.ts'
import type { Database } from './db/database.ts'
import { openDatabase } from './db/open-database.ts'
import { startEventHub } from './events/event-hub.ts'
import { readQueues } from './executions/queue/read-queues.ts'
import { type Engine, type EngineOptions, startEngine } from './executions/start-engine.ts'
import type { Forge, RepoRef } from './forge/forge.ts'
import { createGitForge } from './forge/git/git-forge.ts'
import { createGitHubForge } from './forge/github/github-forge.ts'
import { createLocalForge, type LocalForge } from './forge/local/local-forge.ts'
import { createApp } from './http/app.ts'
import type { AppDeps } from './http/deps.ts'
import { createLogger } from './observability/logger.ts'
import { createMetrics } from './observability/metrics.ts'
import { createLocalPullRequestStore } from './pull-requests/local-pull-request-store.ts'
import { createPullRequestMirror } from './pull-requests/mirror-forge-pull-request.ts'
import { createBlockedConnections } from './sandbox/blocked-connections.ts'
import { createSandboxProvider, type HostedSandboxProvider } from './sandbox/create-sandbox-provider.ts'
import { readSquadSecret } from './secrets/read-squad-secret.ts'
import { secretBoxFromConfig } from './secrets/secret-box.ts'
import { serverRedactor } from './secrets/server-redactor.ts'
import { createBoardCache } from './tasks/board-cache.ts'
import { version } from './version.ts'
import { startGitHubPoller } from './webhooks/start-github-poller.ts'

export type StartupStage = { stage: string; ms: number }

export type RunningServer = {
  url: string
  port: number
  deps: AppDeps
  app: ReturnType<typeof createApp>
  stages: StartupStage[]
  /** The admin token created on this first start (token auth only); shown once, never stored. */
  bootstrapToken: string | null
  engine: Engine
  sandboxes: HostedSandboxProvider
  close(): Promise<void>
}

export type StartServerOptions = {
  database?: Database
  logger?: Logger
  onStage?: (stage: StartupStage) => void
  engineTuning?: EngineOptions['tuning']
  /**
   * The forge the pipeline uses for a repository (default: the one of its kind). A test seam:
   * tests wrap the local forge to point git at a closed port or hand it wrong credentials. The
   * HTTP API and git smart HTTP keep serving the real local forge.
   */
  forgeFor?: (repo: RepoRef, local: LocalForge) => Forge
  /**
   * Wraps the configured sandbox provider. A test seam: tests run the local provider with its
   * capabilities turned off to take the remote providers' paths (the repository as git bundles).
   */
  wrapSandboxes?: (provider: HostedSandboxProvider) => HostedSandboxProvider
}

export function resolveAuthMode(config: Pick<Config, 'SQUAD_AUTH' | 'HOST'>): AuthMode {
  if (config.SQUAD_AUTH === 'auto') return isLoopback(config.HOST) ? 'none' : 'token'
  if (config.SQUAD_AUTH === 'none' && !isLoopback(config.HOST))
    throw new Error(`SQUAD_AUTH=none is only allowed on a loopback HOST (got HOST=${config.HOST})`)
  return config.SQUAD_AUTH
}

/**
 * The composition root: opens the database, migrates, picks the auth mode, starts the event hub and
 * the HTTP server. Each stage is timed, so `squad serve` can show where start-up time goes.
 */
export async function startServer(config: Config, options: StartServerOptions = {}): Promise<RunningServer> {
  const stages: StartupStage[] = []
  const timed = async <T>(stage: string, fn: () => Promise<T>): Promise<T> => {
    const start = performance.now()
    const result = await fn()
    const entry = { stage, ms: Math.round(performance.now() - start) }
    stages.push(entry)
    options.onStage?.(entry)
    return result
  }
  const logger = options.logger ?? createLogger(config)
  const authMode = resolveAuthMode(config)
  const database = options.database ?? (await timed('open database', () => openDatabase(config)))
  try {
    await timed('migrate', () => database.migrate())
    const localUser = await ensureLocalUser(database.db)
    const bootstrapToken = authMode === 'token' ? await bootstrapAdmin(database.db) : null
    const hub = await timed('event hub', () =>
      startEventHub(database, { onError: (err) => logger.error({ err }, 'event hub error') }),
    )
    // The engine starts after the metrics exist: until then its worker runs nothing.
    let engineStarted: Engine | null = null
    const metrics = createMetrics({
      sseSubscribers: () => hub.subscriberCount(),
      dataDir: config.dataDir,
      sandboxProvider: config.SQUAD_SANDBOX,
      readQueues: () => readQueues(database.db),
      workerRunning: () => engineStarted?.worker?.running().length ?? 0,
    })
    const localForge: LocalForge = createLocalForge({
      db: database.db,
      // The store reads the forge's base URL only when a pull request is written, long after this.
      pullRequests: createLocalPullRequestStore({ db: database.db, baseUrl: () => localForge.baseUrl() }),
      root: join(config.dataDir, 'forge'),
      authMode,
      publicUrl: config.SQUAD_PUBLIC_URL,
    })
    const secretBox = secretBoxFromConfig(config)
    const gitForge = createGitForge({
      db: database.db,
      secretBox,
      knownHostsDir: join(config.dataDir, 'known-hosts'),
    })
    const gitHubForge = createGitHubForge({
      secrets: async (squadId, name) =>
        (await readSquadSecret({ db: database.db, box: secretBox, squadId, name })) ?? null,
      publicUrl: () => localForge.baseUrl(),
      pullRequests: createPullRequestMirror({ db: database.db, baseUrl: () => localForge.baseUrl() }),
      onCall: metrics.vendors.observeCall,
    })
    /** The forge of a repository, by its kind: the one place an adapter is chosen. */
    const forgeOfKind = (repo: RepoRef): Forge => {
      switch (repo.kind) {
        case 'local':
          return localForge
        case 'remote':
          return gitForge
        case 'github':
          return gitHubForge
      }
    }
    // A test may put its own forge in front (the routes and the pipeline then use the same one).
    const forgeFor = (repo: RepoRef): Forge => options.forgeFor?.(repo, localForge) ?? forgeOfKind(repo)
    const deps: AppDeps = {
      config,
      database,
      hub,
      metrics,
      logger,
      authMode,
      localUser,
      version,
      startedAt: Date.now(),
      localForge,
      forgeFor,
      boardCache: createBoardCache(),
      secretBox,
    }
    const app = createApp(deps)
    const server = await timed('listen', async () => {
      // No request timeout: git pushes and SSE streams legitimately last long.
      const s = serve({
        fetch: app.fetch,
        port: config.PORT,
        hostname: config.HOST,
        serverOptions: { requestTimeout: 0 },
      })
      await new Promise<void>((resolve, reject) => {
        s.once('listening', resolve)
        s.once('error', reject)
      })
      return s
    })
    const port = (server.address() as AddressInfo).port
    const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST
    // Only now is the port known (PORT=0 picks one): clone URLs use it unless SQUAD_PUBLIC_URL is set.
    // A wildcard address is not one to connect to; this machine reaches it on loopback.
    const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host
    localForge.setListenUrl(`http://${reachable}:${port}`)
    const blocked = createBlockedConnections()
    const configured = createSandboxProvider({ config, logger, blocked })
    const sandboxes = options.wrapSandboxes?.(configured) ?? configured
    const engine = await timed('workers', () =>
      startEngine({
        config,
        database,
        logger,
        metrics,
        sandboxes,
        blocked,
        forgeFor,
        publicUrl: () => localForge.baseUrl(),
        redactor: serverRedactor(config),
        ...(options.engineTuning ? { tuning: options.engineTuning } : {}),
      }),
    )
    engineStarted = engine
    // What happened on GitHub, for a server its webhooks cannot reach (SQUAD_GITHUB_POLL_SECONDS).
    const poller = startGitHubPoller({
      config,
      db: database.db,
      forgeFor,
      webBaseUrl: () => localForge.baseUrl(),
      logger,
    })
    return {
      url: `http://${host}:${port}`,
      port,
      deps,
      app,
      stages,
      bootstrapToken,
      engine,
      sandboxes,
      async close() {
        await poller.stop()
        await engine.stop()
        await sandboxes.close()
        // Open SSE responses would keep the server alive: end them with the server.
        if ('closeAllConnections' in server) server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        await hub.stop()
        if (!options.database) await database.close()
      },
    }
  } catch (error) {
    if (!options.database) await database.close().catch(() => {})
    throw error
  }
}
