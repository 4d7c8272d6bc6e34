import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { version } from '../version.ts'
import type { Database, Db } from './database.ts'
import { MIGRATION_LOCK_KEY, migrationsFolder } from './migrate.ts'
import * as schema from './schema.ts'
import { refuseNewerDatabase } from './schema-version.ts'

type Listener = { channel: string; onNotify: (payload: string) => void }

/** How the LISTEN connection shows up in pg_stat_activity (operators and tests look for it). */
export const LISTEN_APPLICATION_NAME = 'agent-squad-listen'
const FIRST_RETRY_MS = 250
const RETRY_MS = 1000

/**
 * A pooled PostgreSQL connection for queries and one dedicated connection for LISTEN, which is
 * re-opened (with every channel re-subscribed) when it drops; reconnect handlers then let the
 * event hub catch up on anything committed while it was away.
 */
export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, application_name: 'agent-squad' })
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  // Nor may a checked-out one: a connection cut while a transaction holds it (between two of its
  // statements) is emitted as 'error' on the client, which without a listener is an uncaught
  // exception that ends the server. The statement in flight, if any, fails on its own; the pool
  // drops the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}))
  const db = drizzle(pool, { schema }) as unknown as Db
  const listeners = new Set<Listener>()
  const reconnectHandlers: Array<() => void> = []
  let listenClient: pg.Client | null = null
  let connecting: Promise<pg.Client> | null = null
  let retryTimer: NodeJS.Timeout | null = null
  let closed = false

  const channels = () => new Set([...listeners].map((l) => l.channel))

  const connectListener = async (): Promise<pg.Client> => {
    const client = new pg.Client({
      connectionString: url,
      application_name: LISTEN_APPLICATION_NAME,
      // A silently dead peer (no RST) is noticed by TCP keepalive instead of never.
      keepAlive: true,
    })
    client.on('notification', (msg) => {
      for (const l of listeners) if (l.channel === msg.channel) l.onNotify(msg.payload ?? '')
    })
    // pg reports a lost connection as 'error' (maybe twice) and then always 'end': act once, on 'end'.
    client.on('error', () => {})
    try {
      await client.connect()
      for (const channel of channels()) await client.query(`LISTEN "${channel}"`)
    } catch (error) {
      await client.end().catch(() => {})
      throw error
    }
    client.once('end', () => {
      if (listenClient === client) listenClient = null
      scheduleReconnect(FIRST_RETRY_MS)
    })
    return client
  }

  const ensureListener = (): Promise<pg.Client> => {
    if (listenClient) return Promise.resolve(listenClient)
    connecting ??= connectListener()
      .then(async (client) => {
        if (closed) {
          await client.end().catch(() => {})
          throw new Error('database closed')
        }
        listenClient = client
        return client
      })
      .finally(() => {
        connecting = null
      })
    return connecting
  }

  /** One retry loop at most, however many ways the connection reports its loss. */
  const scheduleReconnect = (delayMs: number) => {
    if (closed || retryTimer) return
    retryTimer = setTimeout(() => {
      ensureListener().then(
        () => {
          retryTimer = null
          for (const handler of reconnectHandlers) handler()
        },
        () => {
          retryTimer = null
          scheduleReconnect(RETRY_MS)
        },
      )
    }, delayMs)
  }

  return {
    kind: 'postgres',
    db,
    async listen(channel, onNotify) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`)
      const listener = { channel, onNotify }
      const isNewChannel = ![...listeners].some((l) => l.channel === channel)
      listeners.add(listener)
      const client = await ensureListener()
      if (isNewChannel) await client.query(`LISTEN "${channel}"`)
      return async () => {
        listeners.delete(listener)
        const stillUsed = [...listeners].some((l) => l.channel === channel)
        if (!stillUsed && listenClient) await listenClient.query(`UNLISTEN "${channel}"`).catch(() => {})
      }
    },
    onReconnect(handler) {
      reconnectHandlers.push(handler)
    },
    async migrate() {
      // The advisory lock is session-scoped, so lock, migrate and unlock on one dedicated connection.
      const client = new pg.Client({ connectionString: url, application_name: 'agent-squad-migrate' })
      await client.connect()
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
        const migrating = drizzle(client, { schema })
        await refuseNewerDatabase(migrating as unknown as Db, version)
        await migrate(migrating, { migrationsFolder })
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {})
        await client.end()
      }
    },
    async close() {
      closed = true
      if (retryTimer) clearTimeout(retryTimer)
      listeners.clear()
      await connecting?.catch(() => {})
      await listenClient?.end().catch(() => {})
      listenClient = null
      await pool.end()
    },
  }
}
