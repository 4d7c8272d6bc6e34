import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import type { Config } from '../config.ts'

// Only commander is imported up front, so `squad --help` starts fast; config (zod) loads when a
// command runs.

/** Flags shared by commands that touch the database; each overrides its environment variable. */
export const withDatabaseOptions = (command: Command) =>
  command
    .option('--data-dir <path>', 'PGlite data folder (SQUAD_DATA_DIR, default ./.squad/data)')
    .option('--database-url <url>', 'use this PostgreSQL instead of PGlite (DATABASE_URL)')

export type CliOptions = Record<string, string | boolean | undefined>

const flag = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined)

/** The flag → variable mapping: a flag, when given, wins over the environment and `.env`. */
export async function configFrom(options: CliOptions): Promise<Config> {
  const { loadConfig } = await import('../config.ts')
  return loadConfig({
    overrides: {
      SQUAD_DATA_DIR: flag(options.dataDir),
      DATABASE_URL: flag(options.databaseUrl),
      PORT: flag(options.port),
      HOST: flag(options.host),
      SQUAD_AUTH: flag(options.auth),
      SQUAD_LOG_LEVEL: flag(options.logLevel),
      SQUAD_LOG_FORMAT: flag(options.logFormat),
    },
  })
}

/** Where the PGlite files of a data folder live (see db/open-database.ts). */
export const pgliteDir = (config: Pick<Config, 'dataDir'>) => join(config.dataDir, 'pglite')

/** True when the data folder holds no database yet (the first start creates it). */
export const isNewDataDir = (config: Pick<Config, 'dataDir'>) =>
  !existsSync(join(pgliteDir(config), 'PG_VERSION'))

/** A one-line description of the database, with any password in the URL left out. */
export function describeDatabase(config: Pick<Config, 'DATABASE_URL' | 'dataDir'>): string {
  if (!config.DATABASE_URL) return `PGlite (embedded) in ${pgliteDir(config)}`
  try {
    const url = new URL(config.DATABASE_URL)
    const user = url.username ? `${decodeURIComponent(url.username)}@` : ''
    return `PostgreSQL ${user}${url.host}${url.pathname}`
  } catch {
    return 'PostgreSQL (DATABASE_URL)'
  }
}
