import type { Command } from 'commander'
import type { CliOptions } from './config-options.ts'

const actions = () => import('./agent-actions.ts')

/** The toolchain folder: the flag, else SQUAD_TOOLCHAIN_DIR, else `<data-dir>/toolchain`. */
const withToolchainOptions = (command: Command) =>
  command
    .option('--toolchain-dir <path>', 'where agent CLIs are installed (SQUAD_TOOLCHAIN_DIR)')
    .option('--data-dir <path>', 'data folder whose toolchain/ is used by default (SQUAD_DATA_DIR)')

/** `squad agents …`: the agent CLIs the sandboxes run, installed at the tested versions. */
export function registerAgentCommands(program: Command) {
  const agents = program.command('agents').description('Install the agent CLIs (Claude Code, Codex, …)')
  withToolchainOptions(
    agents
      .command('install')
      .description('Install an agent CLI at its tested version into the toolchain folder (idempotent)')
      .argument('<cli>', 'claude-code, codex, opencode, gemini-cli, or all'),
  )
    .addHelpText(
      'after',
      `
Each CLI comes from the npm registry at the version \`squad agents list\` shows and lands in
<toolchain>/agents/<cli>/<version>. Sandboxes see that folder read-only, and agents whose
config.command is unset run the CLI from there. Running it again does nothing when it is there.`,
    )
    .action(async (cli: string, options: CliOptions) => (await actions()).installAgentsCommand(cli, options))
  withToolchainOptions(
    agents.command('list').description('The agent CLIs, their tested versions and whether each is installed'),
  ).action(async (options: CliOptions) => (await actions()).listAgentsCommand(options))
}
