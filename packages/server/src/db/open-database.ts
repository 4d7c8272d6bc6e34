import type { Config } from '../config.ts'
import type { Database } from './database.ts'

/** PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite in the data folder. */
export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'dataDir'>): Promise<Database> {
  if (config.DATABASE_URL) {
    const { openPostgres } = await import('./postgres.ts')
    return openPostgres(config.DATABASE_URL)
  }
  const { openPglite } = await import('./pglite.ts')
  return openPglite(`${config.dataDir}/pglite`)
}
