import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AppError } from '../domain/errors.ts'
import { runGit } from './run-git.ts'

/**
 * The repository in and out of a sandbox that cannot see this host's folders (a remote provider),
 * as git bundles: the server, which holds the mirror and the credentials, makes a bundle of what the
 * workspace starts from and checks the bundle of the task branch the sandbox sends back before it
 * pushes it itself. No credential ever enters the sandbox. Chosen over a fetch from a short-lived
 * token URL by measurement (docs/remote-sandboxes.md).
 */

/** The largest bundle of a task branch the server reads back (it is held in memory once). */
export const MAX_BRANCH_BUNDLE_BYTES = 512 * 1024 * 1024

/**
 * Configuration of every git command on a scratch repository: no hooks, no fsmonitor, objects
 * checked as they arrive. The scratch repository is the server's own, but the bundle is the agent's.
 */
const SAFE = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'transfer.fsckObjects=true',
  '-c',
  'fetch.fsckObjects=true',
]

/**
 * A throwaway bare repository that borrows the mirror's objects (`objects/info/alternates`): refs
 * set in it never touch the mirror, which other executions fetch into concurrently.
 */
export async function scratchRepo(mirrorDir: string) {
  const dir = await mkdtemp(join(tmpdir(), 'squad-bundle-'))
  await runGit(['init', '--quiet', '--bare', dir])
  await writeFile(join(dir, 'objects', 'info', 'alternates'), `${join(mirrorDir, 'objects')}\n`)
  return {
    dir,
    git: (args: string[], okExitCodes?: number[]) =>
      runGit([...SAFE, ...args], { cwd: dir, ...(okExitCodes ? { okExitCodes } : {}) }),
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

/**
 * A bundle holding `refs` (name → commit) and their history, minus what `exclude` already has
 * (commits the receiver holds). The refs are set in a scratch repository, so a bundle of a base
 * commit stays that commit even if the mirror's branch moves meanwhile.
 */
export async function createBundle(options: {
  mirrorDir: string
  refs: Record<string, string>
  exclude?: string[]
}): Promise<Uint8Array> {
  const scratch = await scratchRepo(options.mirrorDir)
  try {
    for (const [ref, sha] of Object.entries(options.refs)) await scratch.git(['update-ref', ref, sha])
    const file = join(scratch.dir, 'out.bundle')
    const excluded = (options.exclude ?? []).map((sha) => `^${sha}`)
    await scratch.git(['bundle', 'create', '--quiet', file, ...Object.keys(options.refs), ...excluded])
    return new Uint8Array(await readFile(file))
  } finally {
    await scratch.remove()
  }
}

/** Why a bundle sent back by a sandbox is refused: the error the run fails with. */
const refused = (reason: string) =>
  new AppError(
    'validation_failed',
    `The task branch the sandbox sent back was refused: ${reason}. Nothing was pushed.`,
  )

/**
 * Checks a bundle of `branch` sent back by a sandbox, in a quarantine repository that borrows the
 * mirror's objects: it must be at most `maxBytes`, hold exactly `refs/heads/<branch>`, need only
 * commits the mirror has, pass git's object checks, and its head must descend from `base`. No hook
 * or filter runs (a bare repository, hooks off, nothing checked out). Returns the quarantine,
 * holding the branch, for the push; the caller removes it.
 */
export async function receiveBranchBundle(options: {
  mirrorDir: string
  bundle: Uint8Array
  branch: string
  base: string
  maxBytes?: number
}) {
  const max = options.maxBytes ?? MAX_BRANCH_BUNDLE_BYTES
  if (options.bundle.byteLength > max)
    throw refused(`it is ${options.bundle.byteLength} bytes, above the limit of ${max}`)
  const quarantine = await scratchRepo(options.mirrorDir)
  try {
    const file = join(quarantine.dir, 'in.bundle')
    await writeFile(file, options.bundle)
    const ref = `refs/heads/${options.branch}`
    const verify = await quarantine.git(['bundle', 'verify', '--quiet', file], [0, 1, 128])
    if (verify.exitCode !== 0)
      throw refused(`git bundle verify: ${verify.stderr.trim().split('\n').slice(-2).join(' ') || 'invalid'}`)
    const heads = (await quarantine.git(['bundle', 'list-heads', file])).stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '))
    if (heads.length !== 1 || heads[0]?.[1] !== ref)
      throw refused(`it must hold ${ref} alone, and holds ${heads.map((h) => h[1]).join(', ') || 'nothing'}`)
    const fetched = await quarantine.git(
      ['fetch', '--quiet', '--no-tags', file, `${ref}:${ref}`],
      [0, 1, 128],
    )
    if (fetched.exitCode !== 0)
      throw refused(
        `its objects failed git's checks: ${fetched.stderr.trim().split('\n').slice(-2).join(' ')}`,
      )
    const head = (await quarantine.git(['rev-parse', '--verify', `${ref}^{commit}`])).stdout.trim()
    const descends = await quarantine.git(['merge-base', '--is-ancestor', options.base, head], [0, 1])
    if (descends.exitCode !== 0)
      throw refused(`${head.slice(0, 12)} does not descend from ${options.base.slice(0, 12)}`)
    await rm(file)
    return { ...quarantine, head }
  } catch (error) {
    await quarantine.remove()
    throw error
  }
}
