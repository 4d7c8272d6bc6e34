import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, realpath, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { AppError } from '../../domain/errors.ts'
import type { WorkspaceKind } from './folder-sandbox-types.ts'
import { isWithin } from './sandbox-paths.ts'

const run = promisify(execFile)
const HOST_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' }

/** Runs a host tool (mount, cp, chown) with a fixed environment; a failure carries its stderr. */
export async function host(file: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(file, args, { env: HOST_ENV, maxBuffer: 16 * 1024 * 1024 })
    return stdout
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim()
    throw new Error(`${file} ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`, { cause: error })
  }
}

export type PrepareWorkspaceOpts = {
  /** Folder whose contents become the workspace; its contents are never changed (see sharedGid). */
  template?: string
  /** Where the workspace appears on the host (created here; must not exist). */
  workspace: string
  /** Scratch folder for the overlay's upper and work directories (same filesystem as `workspace`). */
  layers: string
  /** Who must own the workspace (root server: the per-sandbox uid); undefined keeps ownership. */
  owner?: { uid: number; gid: number }
  /**
   * With an overlay: a group every sandbox process belongs to. The template is made writable by this
   * group once (group and group bits only, see shareTemplate), so a sandbox can change the files of
   * the shared lower layer without a per-file ownership change; only the workspace root and `.git`
   * are chowned. Without it, an overlay is chowned recursively (metadata copy-up of every entry).
   */
  sharedGid?: number
  /** Try an overlay mount (needs root); false always copies. */
  overlay: boolean
}

/**
 * The one place that decides how a workspace is made from its template:
 * - an overlayfs mount (lower = the template, shared and read-only; upper/work in the sandbox folder)
 *   when the server is root: O(1) whatever the repository's size (mount, then two chowns);
 * - otherwise, or when the mount is refused, a `cp -a` copy (chowned recursively when owned);
 * - an empty folder when there is no template.
 */
export async function prepareWorkspace(opts: PrepareWorkspaceOpts): Promise<WorkspaceKind> {
  const chownTree = async () => {
    if (opts.owner) await host('chown', ['-R', '-h', `${opts.owner.uid}:${opts.owner.gid}`, opts.workspace])
  }
  if (!opts.template) {
    await mkdir(opts.workspace, { mode: 0o755 })
    await chownTree()
    return 'empty'
  }
  const template = await realpath(opts.template).catch(() => undefined)
  if (!template || !(await stat(template)).isDirectory())
    throw new AppError('bad_request', `workspaceTemplate is not a folder: ${opts.template}`)
  if (opts.overlay && opts.owner && opts.sharedGid !== undefined)
    await shareTemplate(template, opts.sharedGid)
  // On failure after this point the caller unmounts and deletes the sandbox folder (releaseWorkspace).
  if (opts.overlay && (await mountOverlay(template, opts.workspace, opts.layers))) {
    if (opts.owner && opts.sharedGid !== undefined) {
      // git refuses a repository whose worktree or git dir belongs to someone else ("dubious ownership").
      const own = [opts.workspace, join(opts.workspace, '.git')].filter((path) => existsSync(path))
      await host('chown', ['-h', `${opts.owner.uid}:${opts.owner.gid}`, ...own])
    } else await chownTree()
    return 'overlay'
  }
  await host('cp', ['-a', '--reflink=auto', '--', template, opts.workspace])
  await chownTree()
  return 'copy'
}

const sharing = new Map<string, Promise<void>>()

/**
 * Makes `template` writable by group `gid` (owner untouched): group set to `gid`, group bits copied
 * from the owner's. Done once per template (the root folder, changed last, marks it done) and before
 * any overlay uses it. Only a sandbox's overlay ever exposes the template to the group, so writes land
 * in that sandbox's upper layer; the template's contents never change.
 */
export async function shareTemplate(template: string, gid: number): Promise<void> {
  const shared = (info: { gid: number; mode: number }) =>
    info.gid === gid && ((info.mode >> 3) & 7) === ((info.mode >> 6) & 7)
  if (shared(await stat(template))) return
  let pending = sharing.get(template)
  if (!pending) {
    pending = (async () => {
      if (shared(await stat(template))) return
      await host('chmod', ['g=', template]) // not marked while the rest is under way
      await host('chgrp', ['-R', '-h', String(gid), template])
      await host('find', [
        template,
        '-mindepth',
        '1',
        '!',
        '-type',
        'l',
        '-exec',
        'chmod',
        'g=u',
        '--',
        '{}',
        '+',
      ])
      await host('chmod', ['g=u', template])
    })().finally(() => sharing.delete(template))
    sharing.set(template, pending)
  }
  await pending
}

/** Mounts the overlay; false (and nothing left behind) when this host refuses it. */
async function mountOverlay(template: string, workspace: string, layers: string): Promise<boolean> {
  // The mount option syntax reserves these characters; such paths simply get a copy.
  if (/[,:\\\n]/.test(template + workspace + layers)) return false
  const upper = join(layers, 'upper')
  const work = join(layers, 'work')
  await mkdir(upper, { recursive: true, mode: 0o755 })
  await mkdir(work, { recursive: true, mode: 0o700 })
  await mkdir(workspace, { mode: 0o755 })
  const base = `lowerdir=${template},upperdir=${upper},workdir=${work},metacopy=on`
  // `volatile` skips syncs the throwaway upper layer never needs; older kernels lack it.
  for (const options of [`${base},volatile`, base]) {
    try {
      await host('mount', ['-t', 'overlay', 'overlay', '-o', options, workspace])
      return true
    } catch {}
  }
  await rm(layers, { recursive: true, force: true })
  await rm(workspace, { recursive: true, force: true })
  return false
}

/** Unmounts everything mounted under `dir` (deepest first; lazily when busy). */
export async function releaseWorkspace(dir: string): Promise<void> {
  for (const mountPoint of (await mountsUnder(dir)).sort((a, b) => b.length - a.length)) {
    try {
      await host('umount', [mountPoint])
    } catch {
      await host('umount', ['-l', mountPoint])
    }
  }
}

/** Mount points at or below `dir`, from /proc/self/mountinfo. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '')
  return text
    .split('\n')
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''))
    .filter((mountPoint) => mountPoint && isWithin(mountPoint, dir))
}

const unescapeMountPath = (path: string) =>
  path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))
