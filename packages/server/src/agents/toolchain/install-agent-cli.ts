import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { AppError } from '../../domain/errors.ts'
import type { PinnedCli } from './cli-versions.ts'
import { cliBinaryPath, cliInstallDir, INSTALLED_MARKER } from './toolchain-paths.ts'

export type InstallAgentCliOpts = {
  /** The toolchain folder (SQUAD_TOOLCHAIN_DIR, default `<data>/toolchain`). */
  root: string
  cli: PinnedCli
  /** The npm executable (default: `npm` on PATH). */
  npm?: string
  /** Each line npm prints, for the person waiting. */
  onProgress?: (line: string) => void
}

export type InstalledCli = { binary: string; dir: string; alreadyInstalled: boolean; ms: number }

/** Runs npm, passing its output on line by line; resolves with its exit code and last words. */
function runNpm(npm: string, args: string[], onLine: (line: string) => void) {
  return new Promise<{ code: number; last: string | null }>((resolve) => {
    let last: string | null = null
    let rest = ''
    const child = spawn(npm, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const read = (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines.map((l) => l.trimEnd()).filter(Boolean)) {
        last = line
        onLine(line)
      }
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.on('error', (error) => resolve({ code: 127, last: error.message }))
    child.on('close', (code) => resolve({ code: code ?? 1, last: rest.trim() || last }))
  })
}

/**
 * Installs the pinned version of an agent CLI from the npm registry into the toolchain folder,
 * once: an install that is already complete is left alone. npm works in a private folder beside
 * the target, which is renamed into place only when the executable is there, so a failed or
 * interrupted install never leaves a half-installed CLI for a run to pick up.
 */
export async function installAgentCli(opts: InstallAgentCliOpts): Promise<InstalledCli> {
  const { cli, root } = opts
  const started = performance.now()
  const dir = cliInstallDir(root, cli)
  const done = () => Math.round(performance.now() - started)
  if (existsSync(join(dir, INSTALLED_MARKER)) && existsSync(cliBinaryPath(root, cli)))
    return { binary: cliBinaryPath(root, cli), dir, alreadyInstalled: true, ms: done() }
  // A folder without its marker is what a killed install left: start again.
  await rm(dir, { recursive: true, force: true })
  await mkdir(dirname(dir), { recursive: true })
  const work = await mkdtemp(join(dirname(dir), `.${cli.version}-installing-`))
  try {
    const spec = `${cli.npm}@${cli.version}`
    opts.onProgress?.(`npm install ${spec}`)
    const npm = await runNpm(
      opts.npm ?? 'npm',
      [
        'install',
        '--prefix',
        work,
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
        '--loglevel=error',
        spec,
      ],
      (line) => opts.onProgress?.(line),
    )
    if (npm.code !== 0)
      throw new AppError(
        'unavailable',
        `could not install ${cli.displayName} (${spec}) from the npm registry: ` +
          `npm exited with code ${npm.code}${npm.last ? `: ${npm.last}` : ''}`,
        { retryable: true },
      )
    const binary = join(work, 'node_modules', '.bin', cli.binary)
    if (!existsSync(binary))
      throw new AppError(
        'internal',
        `${spec} installed, but its executable ${cli.binary} is missing (no build for ${process.platform}-${process.arch}?)`,
      )
    await writeFile(
      join(work, INSTALLED_MARKER),
      `${JSON.stringify({ package: cli.npm, version: cli.version, installed_at: new Date().toISOString() })}\n`,
    )
    // mkdtemp made it private; the sandbox's own user must read and run what is inside.
    await chmod(work, 0o755)
    try {
      await rename(work, dir)
    } catch (error) {
      // Another install of the same version finished first: keep that one.
      if (!existsSync(join(dir, INSTALLED_MARKER))) throw error
      await rm(work, { recursive: true, force: true })
      return { binary: cliBinaryPath(root, cli), dir, alreadyInstalled: true, ms: done() }
    }
    return { binary: cliBinaryPath(root, cli), dir, alreadyInstalled: false, ms: done() }
  } catch (error) {
    await rm(work, { recursive: true, force: true })
    throw error
  }
}
