import type { Command } from 'commander'
import { type Config, loadConfig } from '../config.ts'

/** Flags shared by commands that touch the database; each overrides its environment variable. */
export const withDatabaseOptions = (command: Command) =>
  command
    .option('--data-dir <path>', 'PGlite data folder (SQUAD_DATA_DIR, default ./.squad/data)')
    .option('--database-url <url>', 'use this PostgreSQL instead of PGlite (DATABASE_URL)')

export function configFrom(options: Record<string, string | undefined>): Config {
  return loadConfig({
    overrides: {
      SQUAD_DATA_DIR: options.dataDir,
      DATABASE_URL: options.databaseUrl,
      PORT: options.port,
      HOST: options.host,
      SQUAD_AUTH: options.auth,
    },
  })
}
