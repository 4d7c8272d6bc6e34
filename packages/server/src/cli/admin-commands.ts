import type { Command } from 'commander'
import { type CliOptions, withDatabaseOptions } from './config-options.ts'

const databaseHelp = `
Works on the database directly: PGlite in --data-dir (./.squad/data) unless --database-url or
DATABASE_URL names a PostgreSQL. On PGlite, stop \`squad serve\` first (one process at a time).`

const actions = () => import('./admin-actions.ts')

/** Commands that work on the database directly (run them while the server is stopped when on PGlite). */
export function registerAdminCommands(program: Command) {
  withDatabaseOptions(
    program
      .command('migrate')
      .description('Apply pending database migrations and exit (serve does this on start too)'),
  )
    .addHelpText('after', databaseHelp)
    .action(async (options: CliOptions) => (await actions()).migrateCommand(options))

  const user = program.command('user').description('Manage users (for servers that require tokens)')
  withDatabaseOptions(
    user
      .command('create')
      .description('Create a user and a first token for them; prints JSON { user, token }')
      .requiredOption('--name <name>', 'display name')
      .option('--admin', 'make the user an admin (may create users and tokens for others)'),
  )
    .addHelpText(
      'after',
      `${databaseHelp}

Example:
  squad user create --name alice         the token in the output is shown once; store it`,
    )
    .action(async (options: CliOptions) => (await actions()).createUserCommand(options))

  const token = program.command('token').description('Manage API tokens')
  withDatabaseOptions(
    token
      .command('create')
      .description('Create an API token (printed once) for a user, the local admin user by default')
      .option('--name <name>', 'a label to tell tokens apart', 'cli')
      .option('--user <id>', 'the id of the user the token acts as')
      .option('--expires-in-days <days>', 'make the token expire after this many days')
      .option('--json', 'print the token record as JSON (id, prefix, expiry and the token itself)'),
  )
    .addHelpText(
      'after',
      `${databaseHelp}

Prints only the token on stdout, so it can be captured:
  TOKEN=$(squad token create --name laptop)
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/v1/me`,
    )
    .action(async (options: CliOptions) => (await actions()).createTokenCommand(options))
}
