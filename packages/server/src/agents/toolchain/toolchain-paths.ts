import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { PinnedCli } from './cli-versions.ts'

/** Written last into a finished install: a folder without it is a partial one and is redone. */
export const INSTALLED_MARKER = '.squad-installed.json'

/**
 * Where one CLI version lives in the toolchain folder: `<root>/agents/<cli>/<version>`, an npm
 * prefix (its executable under `node_modules/.bin/`). Versions sit side by side, so raising the
 * pin never breaks a run that is using the old one.
 */
export const cliInstallDir = (root: string, cli: PinnedCli) => join(root, 'agents', cli.name, cli.version)

/** The executable of an installed CLI. */
export const cliBinaryPath = (root: string, cli: PinnedCli) =>
  join(cliInstallDir(root, cli), 'node_modules', '.bin', cli.binary)

/** The pinned CLI's executable when `squad agents install` put it in the toolchain folder, else null. */
export function installedCliBinary(root: string | undefined, cli: PinnedCli | null): string | null {
  if (!root || !cli) return null
  const path = cliBinaryPath(root, cli)
  return existsSync(join(cliInstallDir(root, cli), INSTALLED_MARKER)) && existsSync(path) ? path : null
}
