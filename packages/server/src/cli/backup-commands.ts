import type { Command } from 'commander'
import { type CliOptions, withDatabaseOptions } from './config-options.ts'

const actions = () => import('./backup-actions.ts')

const backupHelp = `
What the archive (a .tar.gz) holds:
  - the PGlite database, consistent: every transaction committed when it was taken, nothing half
    written (on PostgreSQL the database is NOT included: back it up with pg_dump, see below)
  - every repository of the built-in forge, as a git bundle (all branches, tags and PR refs)
  - secret.key (it decrypts the stored secrets: keep the archive as safe as the key itself),
    known-hosts/ (pinned SSH host keys), patches/ (work failed runs never pushed)
Not included: sandboxes/ and cache/ (rebuilt), local-token.json (a new one is written on start).

While \`squad serve\` runs on the same PGlite folder, the backup is made by that server (tasks keep
running): the CLI finds it through the folder's local-token.json, or through --url and --token (an
admin's token) when the server requires tokens. With the server stopped, the CLI reads the folder.

PostgreSQL (DATABASE_URL set): this archive holds the forge and the files; dump the database beside it:
  pg_dump --format=custom --file squad.dump "$DATABASE_URL"

Examples:
  squad backup squad-$(date +%F).tar.gz
  squad backup before-upgrade.tar.gz --data-dir /srv/squad/data
  squad backup b.tar.gz --url https://squad.internal --token "$ADMIN_TOKEN"

Details: docs/backup-and-upgrade.md`

const restoreHelp = `
Restores into a NEW data folder only (one that does not exist, or is empty): a non-empty folder is
refused and left untouched. Then start the server on it; it migrates the database on start.

Examples:
  squad restore squad-2026-12-01.tar.gz --data-dir ./restored
  squad serve --data-dir ./restored

PostgreSQL: restore the files with this command, and the database from its pg_dump file:
  pg_restore --no-owner --dbname "$DATABASE_URL" squad.dump   (into an empty database)

Details: docs/backup-and-upgrade.md`

/** `squad backup <file>` and `squad restore <file>`. */
export function registerBackupCommands(program: Command) {
  withDatabaseOptions(
    program
      .command('backup')
      .description('Back up the database (PGlite), the built-in forge and the secret key into one archive')
      .argument('<file>', 'the archive to write (.tar.gz); it must not exist yet'),
  )
    .option('--url <url>', 'the running server, when it is not found through the data folder (SQUAD_URL)')
    .option('--token <token>', "an admin's API token for that server (SQUAD_TOKEN)")
    .addHelpText('after', backupHelp)
    .action(async (file: string, options: CliOptions) => (await actions()).backupCommand(file, options))

  withDatabaseOptions(
    program
      .command('restore')
      .description('Restore a `squad backup` archive into a new, empty data folder')
      .argument('<file>', 'the archive `squad backup` wrote'),
  )
    .addHelpText('after', restoreHelp)
    .action(async (file: string, options: CliOptions) => (await actions()).restoreCommand(file, options))
}
