import type { Logger } from 'pino'
import type { AuthMode, AuthUser } from '../auth/auth-user.ts'
import type { Config } from '../config.ts'
import type { Database } from '../db/database.ts'
import type { EventHub } from '../events/event-hub.ts'
import type { Forge, RepoRef } from '../forge/forge.ts'
import type { LocalForge } from '../forge/local/local-forge.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { SecretBox } from '../secrets/secret-box.ts'
import type { BoardCache } from '../tasks/board-cache.ts'

/** Everything a request handler may use, built once in server.ts (the composition root). */
export type AppDeps = {
  config: Config
  database: Database
  hub: EventHub
  metrics: Metrics
  logger: Logger
  authMode: AuthMode
  /** The implicit user when `authMode` is `none`. */
  localUser: AuthUser
  version: string
  startedAt: number
  /** The built-in forge: bare repositories under `<dataDir>/forge`, served at /git, PRs in the database. */
  localForge: LocalForge
  /** The forge of a repository by its kind (local, any git remote, GitHub): checks a remote before it is saved. */
  forgeFor(repo: RepoRef): Forge
  /** Serialised boards by version (GET /squads/:id/board is the web app's hottest read). */
  boardCache: BoardCache
  /** Encrypts stored secrets (SQUAD_SECRET_KEY, else `<dataDir>/secret.key`). */
  secretBox: SecretBox
}
