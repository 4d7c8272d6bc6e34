import { homedir } from 'node:os'
import { join } from 'node:path'
import { pinnedCli } from '../../../src/agents/toolchain/cli-versions.ts'
import { installedCliBinary } from '../../../src/agents/toolchain/toolchain-paths.ts'

/**
 * Where the real agent CLIs are installed for the tests: `.ci/run` runs `squad agents install all`
 * into this folder, which outlives the checkout (a warm machine downloads nothing again).
 */
export const testToolchainDir =
  process.env.SQUAD_TEST_TOOLCHAIN_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'agent-squad', 'toolchain')

/** Why the real `provider` CLI cannot be tested here, or null when its pinned version is installed. */
export function realCliSkip(provider: string): string | null {
  const cli = pinnedCli(provider)
  if (!cli) return `${provider} has no pinned version`
  return installedCliBinary(testToolchainDir, cli)
    ? null
    : `${cli.displayName} ${cli.version} is not installed in ${testToolchainDir} (squad agents install ${cli.name} --toolchain-dir ${testToolchainDir})`
}
