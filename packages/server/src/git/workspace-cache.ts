import { existsSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError } from '../domain/errors.ts'
import type { GitCredentials } from '../forge/forge.ts'
import { gitCredentialEnv } from './credentials.ts'
import { runGit } from './run-git.ts'

export type WorkspaceSource = {
  /** A bare mirror of the repository, fetched once and then updated with `git fetch`. */
  mirrorDir: string
  /** A read-only checkout of `baseCommit`: the lower layer every task's workspace starts from. */
  templateDir: string
  baseCommit: string
}

export type PrepareOptions = {
  cacheRoot: string
  repoId: string
  cloneUrl: string
  baseBranch: string
  credentials: GitCredentials
  /** Owner the template's files get, so the sandbox user can modify them after copy-up. */
  owner?: { uid: number; gid: number }
  onProgress?: (stderr: string) => void
  /** Injected so the pipeline can wrap fetches in its retry policy. */
  retry?: <T>(fn: () => Promise<T>) => Promise<T>
}

const inFlight = new Map<string, Promise<unknown>>()

/** One at a time per key in this process: ten tasks on one repository fetch once, not ten times. */
async function once<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = inFlight.get(key)
  if (previous) await previous.catch(() => {})
  const current = fn()
  inFlight.set(key, current)
  try {
    return await current
  } finally {
    if (inFlight.get(key) === current) inFlight.delete(key)
  }
}

/**
 * THE clone strategy (chosen by measurement, see bench/workspace.ts): a bare mirror per repository,
 * updated with one `git fetch`, and a checkout per base commit shared read-only by every task that
 * starts from it; each sandbox mounts its own copy-on-write layer over that checkout, so a warm
 * workspace costs a fetch and a mount however large the repository is. The checkout borrows the
 * mirror's objects (`clone --shared`), so it costs only the working tree's files on disk.
 */
export async function prepareWorkspaceSource(options: PrepareOptions): Promise<WorkspaceSource> {
  const root = join(options.cacheRoot, options.repoId)
  const mirrorDir = join(root, 'mirror.git')
  const env = gitCredentialEnv(options.credentials)
  const retry = options.retry ?? ((fn) => fn())
  await mkdir(root, { recursive: true })

  await once(`mirror:${mirrorDir}`, async () => {
    if (!existsSync(join(mirrorDir, 'HEAD'))) {
      const tmp = `${mirrorDir}.tmp-${process.pid}-${Date.now()}`
      await retry(async () => {
        await rm(tmp, { recursive: true, force: true })
        await runGit(['clone', '--mirror', '--progress', '--', options.cloneUrl, tmp], {
          env,
          onStderr: options.onProgress,
        })
      })
      // Objects the shared checkouts borrow must never be pruned from under them.
      await runGit(['config', 'gc.auto', '0'], { cwd: tmp })
      await rename(tmp, mirrorDir).catch(async (error) => {
        await rm(tmp, { recursive: true, force: true })
        if (!existsSync(join(mirrorDir, 'HEAD'))) throw error
      })
    } else {
      await runGit(['remote', 'set-url', 'origin', options.cloneUrl], { cwd: mirrorDir })
      await retry(() =>
        runGit(['fetch', '--prune', '--progress', 'origin'], {
          cwd: mirrorDir,
          env,
          onStderr: options.onProgress,
        }),
      )
    }
  })

  const head = await runGit(
    ['rev-parse', '--verify', '--quiet', `refs/heads/${options.baseBranch}^{commit}`],
    {
      cwd: mirrorDir,
    },
  ).catch(() => null)
  const baseCommit = head?.stdout.trim()
  if (!baseCommit)
    throw new AppError(
      'validation_failed',
      `The repository has no branch "${options.baseBranch}" yet: push a first commit to it, or set the repository's default_branch`,
    )

  const templateDir = join(root, 'checkouts', baseCommit)
  await once(`template:${templateDir}`, async () => {
    if (existsSync(join(templateDir, '.git'))) return
    await mkdir(join(root, 'checkouts'), { recursive: true })
    const tmp = `${templateDir}.tmp-${process.pid}-${Date.now()}`
    await runGit(['clone', '--quiet', '--shared', '--no-checkout', '--', mirrorDir, tmp])
    await runGit(['checkout', '--quiet', '-B', options.baseBranch, baseCommit], { cwd: tmp })
    await runGit(['remote', 'set-url', 'origin', options.cloneUrl], { cwd: tmp })
    if (options.owner) await chownTree(tmp, options.owner)
    await rename(tmp, templateDir).catch(async (error) => {
      await rm(tmp, { recursive: true, force: true })
      if (!existsSync(join(templateDir, '.git'))) throw error
    })
  })
  return { mirrorDir, templateDir, baseCommit }
}

async function chownTree(dir: string, owner: { uid: number; gid: number }) {
  const { spawn } = await import('node:child_process')
  await new Promise<void>((resolve, reject) => {
    const child = spawn('chown', ['-R', `${owner.uid}:${owner.gid}`, dir], { stdio: 'ignore' })
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`chown exited with ${code}`))))
  })
}
