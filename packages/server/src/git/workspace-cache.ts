import { existsSync } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError } from '../domain/errors.ts'
import type { GitCredentials } from '../forge/forge.ts'
import { withGitCredentials } from './credentials.ts'
import { GitCommandError, runGit } from './run-git.ts'

export type WorkspaceSource = {
  /** A bare mirror of the repository, fetched once and then updated with `git fetch`. */
  mirrorDir: string
  /** A read-only checkout of `baseCommit`: the lower layer every task's workspace starts from. */
  templateDir: string
  baseCommit: string
  /** The `origin` URL the checkout was made with (a workspace made from it starts with that remote). */
  originUrl: string
}

export type PrepareOptions = {
  cacheRoot: string
  repoId: string
  cloneUrl: string
  baseBranch: string
  credentials: GitCredentials
  onProgress?: (stderr: string) => void
  /** Injected so the pipeline can wrap fetches in its retry policy. */
  retry?: <T>(fn: () => Promise<T>) => Promise<T>
  /**
   * Runs once on a new checkout before its git index is refreshed and it is published: whatever the
   * sandbox provider does to a template the first time it uses one (the local provider gives its
   * files a shared group) must happen here, or the change of every file's group and ctime leaves the
   * index stale and each sandbox's first git command re-hashes the whole tree.
   */
  adoptTemplate?: (checkout: string) => Promise<void>
}

const inFlight = new Map<string, Promise<unknown>>()
/** The `origin` URL each mirror was last given by this process (set-url is skipped when unchanged). */
const mirrorUrls = new Map<string, string>()
/** The `origin` URL of each checkout this process made or read (a checkout never changes it). */
const templateUrls = new Map<string, string>()

/** One at a time per key in this process: ten tasks on one new base commit make one checkout. */
export async function once<T>(key: string, fn: () => Promise<T>): Promise<T> {
  // Chain behind whatever holds the key, so waiters run one after another, never together.
  const current = (inFlight.get(key) ?? Promise.resolve()).catch(() => {}).then(fn)
  inFlight.set(key, current)
  try {
    return await current
  } finally {
    if (inFlight.get(key) === current) inFlight.delete(key)
  }
}

type Listener = (stderr: string) => void
type Run = { listeners: Set<Listener>; promise: Promise<void>; start: () => void }
const updates = new Map<string, { running: Run; queued?: Run }>()

/**
 * Runs `update` for a caller, sharing runs between callers: one that arrives while a run is under way
 * joins the single run queued behind it, which starts when that one ends. Every caller's run starts
 * after it asked, so each sees the remote as it was then, yet twenty tasks started at once on one
 * repository fetch twice rather than twenty times in a row. A run uses the options (URL, credentials,
 * retry policy) of the caller that opened it; its progress goes to every caller that joined it.
 */
function coalesced(key: string, onProgress: Listener | undefined, update: (emit: Listener) => Promise<void>) {
  const newRun = (): Run => {
    const listeners = new Set<Listener>()
    let start = () => {}
    const started = new Promise<void>((resolve) => {
      start = resolve
    })
    const promise = started.then(() =>
      update((stderr) => {
        for (const listener of listeners) listener(stderr)
      }),
    )
    const run = { listeners, promise, start }
    promise
      .catch(() => {})
      .finally(() => {
        const state = updates.get(key)
        if (state?.running !== run) return
        if (state.queued) {
          updates.set(key, { running: state.queued })
          state.queued.start()
        } else updates.delete(key)
      })
    return run
  }
  const state = updates.get(key)
  let run: Run
  if (state) run = state.queued ??= newRun()
  else {
    run = newRun()
    updates.set(key, { running: run })
    run.start()
  }
  if (onProgress) run.listeners.add(onProgress)
  return run.promise
}

/**
 * Brings the repository's bare mirror up to date (cloned once, then one `git fetch`) and returns it
 * with the head of `baseBranch`. A provider that seeds workspaces from a host folder goes on to a
 * checkout (prepareWorkspaceSource); a remote one makes a git bundle from the mirror instead.
 */
export async function prepareMirror(
  options: Omit<PrepareOptions, 'owner' | 'adoptTemplate'>,
): Promise<{ mirrorDir: string; baseCommit: string }> {
  const root = join(options.cacheRoot, options.repoId)
  const mirrorDir = join(root, 'mirror.git')
  const retry = options.retry ?? ((fn) => fn())
  await mkdir(root, { recursive: true })

  await coalesced(mirrorDir, options.onProgress, (onStderr) =>
    withGitCredentials(options.credentials, (env) => updateMirror(env, onStderr)),
  )
  async function updateMirror(env: Record<string, string>, onStderr: (text: string) => void) {
    if (!existsSync(join(mirrorDir, 'HEAD'))) {
      const tmp = `${mirrorDir}.tmp-${process.pid}-${Date.now()}`
      await retry(async () => {
        await rm(tmp, { recursive: true, force: true })
        await runGit(['clone', '--mirror', '--progress', '--', options.cloneUrl, tmp], { env, onStderr })
      })
      // Objects the shared checkouts borrow must never be pruned from under them.
      await runGit(['config', 'gc.auto', '0'], { cwd: tmp })
      await rename(tmp, mirrorDir).catch(async (error) => {
        await rm(tmp, { recursive: true, force: true })
        if (!existsSync(join(mirrorDir, 'HEAD'))) throw error
      })
    } else {
      if (mirrorUrls.get(mirrorDir) !== options.cloneUrl)
        await runGit(['remote', 'set-url', 'origin', options.cloneUrl], { cwd: mirrorDir })
      // No FETCH_HEAD (nothing reads it) and no auto-maintenance (gc.auto is 0): a third less time.
      const fetch = ['fetch', '--prune', '--progress', '--no-write-fetch-head', '--no-auto-maintenance']
      await retry(() => runGit([...fetch, 'origin'], { cwd: mirrorDir, env, onStderr }))
    }
    mirrorUrls.set(mirrorDir, options.cloneUrl)
  }

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
  return { mirrorDir, baseCommit }
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
  const { mirrorDir, baseCommit } = await prepareMirror(options)

  const templateDir = join(root, 'checkouts', baseCommit)
  await once(`template:${templateDir}`, async () => {
    if (existsSync(join(templateDir, '.git'))) return
    await mkdir(join(root, 'checkouts'), { recursive: true })
    const tmp = `${templateDir}.tmp-${process.pid}-${Date.now()}`
    await runGit(['clone', '--quiet', '--shared', '--no-checkout', '--', mirrorDir, tmp])
    await runGit(['checkout', '--quiet', '-B', options.baseBranch, baseCommit], { cwd: tmp })
    const checkedOutAt = Date.now()
    await runGit(['remote', 'set-url', 'origin', options.cloneUrl], { cwd: tmp })
    await options.adoptTemplate?.(tmp)
    // Records every file's stat data as it now is, so a sandbox's git finds the index up to date
    // instead of re-hashing the tree: after the provider's change of group and ctime, and in a later
    // second than the checkout's last write, or git (whole-second timestamps) would keep treating
    // the files written in that second as "racily clean" and re-hash them in every sandbox.
    // Only an optimization: a stale index costs time, never correctness, so a failure is ignored.
    const now = Date.now()
    if (Math.floor(now / 1000) === Math.floor(checkedOutAt / 1000))
      await new Promise((resolve) => setTimeout(resolve, 1010 - (now % 1000)))
    await runGit(['update-index', '-q', '--refresh'], { cwd: tmp }).catch(() => {})
    await rename(tmp, templateDir).then(
      () => templateUrls.set(templateDir, options.cloneUrl),
      async (error) => {
        await rm(tmp, { recursive: true, force: true })
        if (!existsSync(join(templateDir, '.git'))) throw error
      },
    )
  })
  let originUrl = templateUrls.get(templateDir)
  if (originUrl === undefined) {
    const read = await runGit(['config', '--get', 'remote.origin.url'], { cwd: templateDir }).catch(
      () => null,
    )
    originUrl = read?.stdout.trim() ?? ''
    templateUrls.set(templateDir, originUrl)
  }
  return { mirrorDir, templateDir, baseCommit, originUrl }
}

/**
 * The source as the cache has it now, without asking the remote: the mirror's head of `baseBranch`
 * and its checkout, or null when either is missing. A caller may start building on it while
 * prepareWorkspaceSource brings the cache up to date, and must drop that work if the base moved.
 */
export async function cachedWorkspaceSource(
  options: Pick<PrepareOptions, 'cacheRoot' | 'repoId' | 'baseBranch'>,
): Promise<WorkspaceSource | null> {
  const root = join(options.cacheRoot, options.repoId)
  const mirrorDir = join(root, 'mirror.git')
  if (!existsSync(join(mirrorDir, 'HEAD'))) return null
  const baseCommit = await mirrorBranchHead(mirrorDir, options.baseBranch).catch(() => null)
  if (!baseCommit) return null
  const templateDir = join(root, 'checkouts', baseCommit)
  const originUrl = templateUrls.get(templateDir)
  if (originUrl === undefined || !existsSync(join(templateDir, '.git'))) return null
  return { mirrorDir, templateDir, baseCommit, originUrl }
}

/**
 * The commit `branch` points to in the mirror, or null when the branch does not exist. The mirror is
 * as fresh as its last fetch, which prepareWorkspaceSource ran after the caller asked; a workspace
 * made from the cache borrows the mirror's objects, so it can check that commit out as it is.
 */
export async function mirrorBranchHead(mirrorDir: string, branch: string): Promise<string | null> {
  try {
    const found = await runGit(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
      cwd: mirrorDir,
    })
    return found.stdout.trim() || null
  } catch (error) {
    // --verify --quiet exits 1, silently, for a missing ref; anything else is a real failure.
    if (error instanceof GitCommandError && error.result.exitCode === 1 && !error.result.stderr.trim())
      return null
    throw error
  }
}
