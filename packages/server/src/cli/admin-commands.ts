import type { Command } from 'commander'
import { createToken } from '../auth/create-token.ts'
import { createUser } from '../auth/create-user.ts'
import { ensureLocalUser } from '../auth/ensure-local-user.ts'
import type { Database } from '../db/database.ts'
import { openDatabase } from '../db/open-database.ts'
import { configFrom, withDatabaseOptions } from './config-options.ts'

async function withDatabase<T>(
  options: Record<string, string | undefined>,
  fn: (db: Database) => Promise<T>,
) {
  const database = await openDatabase(configFrom(options))
  try {
    await database.migrate()
    return await fn(database)
  } finally {
    await database.close()
  }
}

/** Commands that work on the database directly (run them while the server is stopped when on PGlite). */
export function registerAdminCommands(program: Command) {
  withDatabaseOptions(
    program.command('migrate').description('Apply pending database migrations and exit'),
  ).action(async (options: Record<string, string | undefined>) => {
    await withDatabase(options, async () => {})
    process.stderr.write('✓ database is up to date\n')
  })

  const user = program.command('user').description('Manage users')
  withDatabaseOptions(
    user
      .command('create')
      .description('Create a user and print a token for them')
      .requiredOption('--name <name>', 'display name')
      .option('--admin', 'make the user an admin'),
  ).action(async (options: Record<string, string | undefined>) => {
    await withDatabase(options, async ({ db }) => {
      const created = await createUser({
        db,
        input: { name: String(options.name), is_admin: Boolean(options.admin) },
      })
      const token = await createToken({
        db,
        actor: { id: created.id, name: created.name, isAdmin: created.is_admin },
        input: { name: 'cli' },
      })
      process.stdout.write(`${JSON.stringify({ user: created, token: token.token }, null, 2)}\n`)
    })
  })

  const token = program.command('token').description('Manage API tokens')
  withDatabaseOptions(
    token
      .command('create')
      .description('Create an API token (printed once) for a user, the local user by default')
      .option('--name <name>', 'a label to tell tokens apart', 'cli')
      .option('--user <id>', 'the user the token acts as'),
  ).action(async (options: Record<string, string | undefined>) => {
    await withDatabase(options, async ({ db }) => {
      const local = await ensureLocalUser(db)
      const created = await createToken({
        db,
        actor: { ...local, isAdmin: true },
        input: { name: String(options.name), ...(options.user ? { user_id: options.user } : {}) },
      })
      process.stdout.write(`${created.token}\n`)
    })
  })
}
