import type { Command } from 'commander'
import { type CliOptions, withDatabaseOptions } from './config-options.ts'

const serveHelp = `
Flags win over environment variables, which win over a .env file in the current folder, which
wins over the defaults. Every variable is described in docs/configuration.md.

Auth (--auth, SQUAD_AUTH):
  auto   the default: off on a loopback host (127.0.0.1, ::1, localhost), tokens anywhere else
  token  every request needs "Authorization: Bearer <token>"; the first start prints an admin token
  none   no tokens, every request acts as the local user; refused unless the host is loopback.
         A git push and /metrics still need a token: the local user's, kept in
         <data-dir>/local-token.json (squad git-credential --help)

Examples:
  squad serve                           PGlite in ./.squad/data, http://127.0.0.1:8000, auth off
  squad serve --port 0                  any free port (the URL is printed once listening)
  squad serve --host 0.0.0.0            reachable from the network, tokens required
  squad serve --database-url postgres://squad:secret@db.internal:5432/squad

Stop with Ctrl+C (SIGINT) or SIGTERM: the server closes open requests and event streams, then the
database. On PGlite, one process owns the data folder at a time (stop the server before running
\`squad token create\` or \`squad migrate\` on the same folder).`

export function registerServe(program: Command) {
  withDatabaseOptions(
    program
      .command('serve')
      .description('Start the API server: REST under /api/v1, live event streams under /api/v1/sse')
      .option('-p, --port <port>', 'port to listen on; 0 picks a free one (PORT, default 8000)')
      .option('-H, --host <address>', 'address to bind (HOST, default 127.0.0.1, this machine only)')
      .option('--auth <mode>', 'auto | token | none (SQUAD_AUTH, default auto; see below)'),
  )
    .option('--log-level <level>', 'fatal | error | warn | info | debug | trace | silent (SQUAD_LOG_LEVEL)')
    .option('--log-format <format>', 'pretty | json (SQUAD_LOG_FORMAT, default pretty)')
    .addHelpText('after', serveHelp)
    .action(async (options: CliOptions) => {
      // Loaded only now, so `squad --help` does not pay for the whole server.
      const { runServe } = await import('./run-serve.ts')
      await runServe(options)
    })
}
