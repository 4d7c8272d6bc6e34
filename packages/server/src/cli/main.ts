import { Command, CommanderError } from 'commander'
import { ConfigError } from '../config.ts'
import { version } from '../version.ts'
import { registerAdminCommands } from './admin-commands.ts'
import { registerServe } from './serve.ts'

const program = new Command()
  .name('squad')
  .description('Agent Squad: a squad of AI coding agents that turns Kanban tasks into pull requests.')
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()

registerServe(program)
registerAdminCommands(program)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode)
  if (error instanceof ConfigError) {
    process.stderr.write(`✗ ${error.message}\nSee docs/configuration.md for every variable.\n`)
    process.exit(2)
  }
  process.stderr.write(`✗ ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}
