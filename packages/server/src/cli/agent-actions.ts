import { pinnedCli, pinnedCliNames, pinnedClis } from '../agents/toolchain/cli-versions.ts'
import { installAgentCli } from '../agents/toolchain/install-agent-cli.ts'
import { installedCliBinary } from '../agents/toolchain/toolchain-paths.ts'
import { type CliOptions, configFrom } from './config-options.ts'

// The work behind `squad agents …`, loaded only when one of them runs (see agent-commands.ts).

async function toolchainOf(options: CliOptions): Promise<string> {
  const config = await configFrom(options)
  return typeof options.toolchainDir === 'string' ? options.toolchainDir : config.toolchainDir
}

/**
 * `squad agents install <cli>|all`: each CLI in turn, saying what it does. With `all`, one CLI that
 * cannot be installed does not stop the others; the command fails at the end, naming each.
 */
export async function installAgentsCommand(name: string, options: CliOptions) {
  const names = name === 'all' ? pinnedCliNames : [name]
  const unknown = names.filter((n) => !pinnedCli(n))
  if (unknown.length)
    throw new Error(`unknown agent CLI "${name}": expected one of ${pinnedCliNames.join(', ')} or all`)
  const root = await toolchainOf(options)
  const failed: string[] = []
  for (const n of names) {
    const cli = pinnedCli(n)
    if (!cli) continue
    process.stderr.write(`› ${cli.displayName} ${cli.version} (${cli.npm})\n`)
    try {
      const done = await installAgentCli({
        root,
        cli,
        onProgress: (line) => process.stderr.write(`  ${line}\n`),
      })
      process.stderr.write(
        done.alreadyInstalled
          ? `✓ ${cli.displayName} ${cli.version} is already installed: ${done.binary}\n`
          : `✓ ${cli.displayName} ${cli.version} installed in ${(done.ms / 1000).toFixed(1)} s: ${done.binary}\n`,
      )
    } catch (error) {
      if (names.length === 1) throw error
      const why = error instanceof Error ? error.message : String(error)
      process.stderr.write(`✗ ${why}\n`)
      failed.push(cli.name)
    }
  }
  if (failed.length) throw new Error(`not installed: ${failed.join(', ')}`)
}

/** `squad agents list`: one line per CLI with its tested version and where it is installed. */
export async function listAgentsCommand(options: CliOptions) {
  const root = await toolchainOf(options)
  for (const n of pinnedCliNames) {
    const cli = { name: n, ...pinnedClis[n] }
    const binary = installedCliBinary(root, cli)
    process.stdout.write(`${n.padEnd(12)} ${cli.version.padEnd(10)} ${binary ?? 'not installed'}\n`)
  }
}
