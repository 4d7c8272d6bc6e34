import { shellQuote } from '../../../git/shell-quote.ts'
import type { Sandbox } from '../../../sandbox/sandbox-provider.ts'
import { type PinnedCli, pinnedCli } from '../../toolchain/cli-versions.ts'
import { installedCliBinary } from '../../toolchain/toolchain-paths.ts'
import type { CliAdapter, CliSetup } from './cli-adapter.ts'

/**
 * The executable a run starts: the agent's `config.command`, else the pinned version from the
 * toolchain folder (`squad agents install`), else the CLI's name on the sandbox's PATH.
 */
export function cliCommand(
  adapter: CliAdapter,
  configured: string | undefined,
  toolchainDir: string | undefined,
): { command: string; fromToolchain: boolean } {
  if (configured) return { command: configured, fromToolchain: false }
  const installed = installedCliBinary(toolchainDir, pinnedCli(adapter.provider))
  return installed
    ? { command: shellQuote(installed), fromToolchain: true }
    : { command: adapter.binary, fromToolchain: false }
}

/**
 * Shell words run before the CLI: a fresh HOME for this run (under the sandbox's home: every CLI
 * keeps sessions, caches and settings there, and one run must not see another's), then the adapter's
 * config files written into it. Each file's content is quoted whole, so it is never interpreted.
 */
export function freshHomeScript(setup: CliSetup): string {
  const steps = [
    'mkdir -p "$HOME/.squad-runs"',
    'HOME=$(mktemp -d "$HOME/.squad-runs/home.XXXXXX")',
    'export HOME',
  ]
  for (const [path, content] of Object.entries(setup.files)) {
    const target = `"$HOME"/${shellQuote(path)}`
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : null
    if (dir) steps.push(`mkdir -p "$HOME"/${shellQuote(dir)}`)
    steps.push(`printf '%s' ${shellQuote(content)} > ${target}`)
  }
  return steps.join(' && ')
}

/**
 * The version of a pinned CLI as installed in the sandbox, read from the package.json of the npm
 * package its executable belongs to (instant, where `--version` takes up to 18 s for some CLIs),
 * else from `--version` when the command is the executable alone. Null when neither says.
 */
export async function installedVersion(
  sandbox: Sandbox,
  command: string,
  cli: PinnedCli,
): Promise<string | null> {
  const executable = command.split(/\s+/)[0] ?? command
  const findPackage = [
    `p=$(command -v -- ${executable}) || exit 0`,
    'p=$(readlink -f "$p"); d=$(dirname "$p")',
    `while [ "$d" != / ]; do if [ -f "$d/package.json" ] && grep -q '"name": *${JSON.stringify(cli.npm)}' "$d/package.json"; then sed -n 's/^ *"version": *"\\([^"]*\\)".*/\\1/p' "$d/package.json" | head -n 1; exit 0; fi; d=$(dirname "$d"); done`,
    // `--version` of a command with arguments (`npx -y …`) would be the launcher's version.
    ...(executable === command.trim() ? [`${executable} --version 2>/dev/null | head -n 3`] : []),
  ].join('\n')
  const result = await sandbox.commands
    .run(findPackage, { timeoutMs: 30_000, maxOutputBytes: 4096 })
    .catch(() => null)
  return /\d+\.\d+\.\d+(?:[-+][\w.]+)?/.exec(result?.stdout ?? '')?.[0] ?? null
}

/** The warning for a CLI that is not the tested version, or null when it is (or cannot be told). */
export async function versionWarning(
  sandbox: Sandbox,
  adapter: CliAdapter,
  command: string,
): Promise<string | null> {
  const cli = pinnedCli(adapter.provider)
  if (!cli) return null
  const version = await installedVersion(sandbox, command, cli)
  if (!version || version === cli.version) return null
  return (
    `${adapter.displayName} ${version} is not the tested version ${cli.version}: it runs, but its output ` +
    `may have changed (install the tested one with \`squad agents install ${cli.name}\`)`
  )
}
