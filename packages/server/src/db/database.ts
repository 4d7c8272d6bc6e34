import type { ExtractTablesWithRelations } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type * as schema from './schema.ts'

export type Schema = typeof schema
/** The drizzle handle every query uses, whichever driver is behind it (PGlite or node-postgres). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>
/** Queries accept either the database or an open transaction. */
export type Executor = Db | Tx

export type DatabaseKind = 'pglite' | 'postgres'

/** The database port: a drizzle handle plus the two things drizzle does not cover, LISTEN and close. */
export type Database = {
  kind: DatabaseKind
  db: Db
  /** Subscribes to a NOTIFY channel; resolves once listening. The returned function unsubscribes. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>
  /** Called when a LISTEN connection was lost and re-established, so listeners can catch up. */
  onReconnect(handler: () => void): void
  /** Applies every pending migration; idempotent, and safe when several processes start at once. */
  migrate(): Promise<void>
  /**
   * PGlite only: its whole data folder as a tarball, taken between two statements (a backup, or a
   * test's template). PostgreSQL has no such call: pg_dump backs it up.
   */
  dump?(): Promise<Blob>
  close(): Promise<void>
}
