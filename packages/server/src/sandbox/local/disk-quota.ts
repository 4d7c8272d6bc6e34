import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rm, stat, statfs, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AppError } from '../../domain/errors.ts'
import { messageOf } from '../folder/folder-sandbox-support.ts'
import type { SandboxDriver, SandboxLogger, SandboxPaths } from '../folder/folder-sandbox-types.ts'
import type { RawResult } from '../folder/run-process.ts'
import { isWithin } from '../folder/sandbox-paths.ts'
import { host } from '../folder/workspace.ts'

/*
 * A disk quota per sandbox: its writable data (/workspace, or its overlay's upper layer, /tmp and
 * /home/sandbox) lives on a filesystem of its own, an ext4 image of the quota's size, sparse, in the
 * sandbox folder and loop-mounted at `<dir>/disk`. Full, it answers ENOSPC to the sandbox; the host
 * disk holds no more than the image's blocks in use, and `discard` gives deleted files' blocks back
 * to the host. The overlay's lower layer (the repository template) stays outside, shared. Why this
 * and not project quotas or tmpfs, and the measured costs: docs/sandbox.md.
 */

const MiB = 1024 * 1024
const GiB = 1024 * MiB
export const DEFAULT_DISK_QUOTA_BYTES = 10 * GiB
/** Below this an ext4 image has too little room for its own metadata to be a fair quota. */
export const MIN_DISK_QUOTA_BYTES = 16 * MiB

/**
 * mkfs options, by measurement (docs/sandbox.md): no journal (the filesystem dies with its sandbox,
 * and a journal costs time and 64 MB of writes), no reserved resize blocks (the image never grows:
 * 4 MB less to write), inode tables left uninitialised (the sparse image reads as zeros anyway), no
 * discard pass over the new image, and no blocks reserved for root (the overlay writes as root).
 */
const MKFS_ARGS = ['-q', '-F', '-m', '0', '-O', '^has_journal,^resize_inode']
const MKFS_EXTENDED = '-E lazy_itable_init=1,nodiscard'
/**
 * `loop` attaches a free loop device (LOOP_CTL_GET_FREE, made on demand) and marks it autoclear, so
 * the last unmount detaches it; `discard` punches deleted files' blocks out of the image;
 * `noinit_itable` keeps the kernel from zeroing the inode tables in the background (160 MB per
 * 10 GiB image, all zeros already).
 */
const MOUNT_OPTIONS = 'loop,discard,noinit_itable,noatime,nosuid,nodev'

/** Where a sandbox's quota filesystem lives: the image and its mount point, both in the sandbox folder. */
export const diskOf = (paths: Pick<SandboxPaths, 'dir'>) => ({
  image: join(paths.dir, 'disk.img'),
  mount: join(paths.dir, 'disk'),
})

/**
 * The sandbox's writable folders on its quota filesystem: tmp, home, and the workspace (a copied or
 * empty one lives there; an overlay is mounted there, with its upper and work layers beside it).
 */
export const onDisk = (paths: SandboxPaths): SandboxPaths => {
  const { mount } = diskOf(paths)
  return {
    ...paths,
    workspace: join(mount, 'workspace'),
    tmp: join(mount, 'tmp'),
    home: join(mount, 'home'),
    layers: join(mount, 'overlay'),
  }
}

/** "10 GiB", "1.5 GiB", "64 MiB". */
export function formatQuota(bytes: number): string {
  if (bytes >= GiB) return `${Number((bytes / GiB).toFixed(1))} GiB`
  return `${Number((bytes / MiB).toFixed(1))} MiB`
}

export function quotaMessage(bytes: number): string {
  return `the sandbox is out of its ${formatQuota(bytes)} disk quota (/workspace, /tmp and /home/sandbox share it)`
}

export function validateQuota(bytes: number, name = 'diskQuotaBytes') {
  if (!Number.isSafeInteger(bytes) || (bytes !== 0 && bytes < MIN_DISK_QUOTA_BYTES))
    throw new AppError(
      'bad_request',
      `${name} must be 0 (no quota) or a whole number of bytes of at least ${formatQuota(MIN_DISK_QUOTA_BYTES)}`,
    )
}

/** Creates the sparse image, formats it and mounts it at diskOf(paths).mount (mode 0700, root's). */
export async function attachDisk(paths: Pick<SandboxPaths, 'dir'>, bytes: number): Promise<void> {
  const disk = diskOf(paths)
  const file = await open(disk.image, 'wx', 0o600)
  try {
    await file.truncate(bytes)
  } finally {
    await file.close()
  }
  await host('mkfs.ext4', [...MKFS_ARGS, ...MKFS_EXTENDED.split(' '), disk.image])
  await mkdir(disk.mount, { mode: 0o700 })
  await host('mount', ['-t', 'ext4', '-o', MOUNT_OPTIONS, disk.image, disk.mount])
  await chmod(disk.mount, 0o700)
}

/**
 * After the sandbox's mounts are gone: makes sure no loop device still holds its image (the
 * autoclear that the last unmount triggers runs asynchronously; a device left by a crash between
 * attach and mount has none), then deletes the image.
 */
export async function detachDisk(paths: Pick<SandboxPaths, 'dir'>): Promise<void> {
  const deadline = Date.now() + 500
  for (;;) {
    const devices = await loopDevicesUnder(paths.dir)
    if (devices.length === 0) break
    if (Date.now() > deadline) {
      // A busy device (a lazy unmount still in use) only gets autoclear set, and goes when released.
      for (const device of devices) await host('losetup', ['-d', device]).catch(() => {})
      break
    }
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  await rm(diskOf(paths).image, { force: true })
}

/** Loop devices whose backing file lies under `dir` (from sysfs, no process spawned). */
export async function loopDevicesUnder(dir: string): Promise<string[]> {
  const names = (await readdir('/sys/block').catch(() => [] as string[])).filter((n) => /^loop\d+$/.test(n))
  const found: string[] = []
  await Promise.all(
    names.map(async (name) => {
      const backing = await readFile(`/sys/block/${name}/loop/backing_file`, 'utf8').catch(() => '')
      const file = backing.trim().replace(/ \(deleted\)$/, '')
      if (file && isWithin(file, dir)) found.push(`/dev/${name}`)
    }),
  )
  return found.sort()
}

/**
 * The explanation for a failed command when the sandbox's quota filesystem is (nearly) full, or out
 * of inodes, or the command said ENOSPC with the filesystem mostly used; undefined otherwise.
 */
export async function explainQuota(
  paths: Pick<SandboxPaths, 'dir'>,
  result: RawResult,
): Promise<string | undefined> {
  const disk = diskOf(paths)
  const [image, fs] = await Promise.all([stat(disk.image), statfs(disk.mount)])
  const size = fs.blocks * fs.bsize
  if (size > image.size) return undefined // not mounted: that is the host's filesystem
  const free = fs.bavail * fs.bsize
  const full = free < Math.max(MiB, image.size / 100) || fs.ffree === 0
  const saidEnospc = /No space left on device|ENOSPC/.test(result.stderr.toString('latin1'))
  if (full || (saidEnospc && free < size / 10)) return quotaMessage(image.size)
  return undefined
}

/** Whether this host can give sandboxes a quota: root, loop devices, mkfs.ext4. */
export type QuotaSupport = { enforced: true } | { enforced: false; reason: string }

/** Proves it once with a small image: create, format, mount, unmount (about 20 ms). */
export async function probeDiskQuota(asRoot: boolean): Promise<QuotaSupport> {
  if (!asRoot)
    return { enforced: false, reason: 'the server does not run as root (a loop-mounted image needs root)' }
  const scratch = await mkdtemp(join(tmpdir(), 'squad-quota-probe-'))
  const paths = { dir: scratch }
  try {
    await attachDisk(paths, MIN_DISK_QUOTA_BYTES)
    return { enforced: true }
  } catch (error) {
    const missing = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
    const reason = missing
      ? 'mkfs.ext4 or mount is missing (apt-get install e2fsprogs mount)'
      : `loop-mounting an ext4 image failed (${messageOf(error).split('\n')[0]})`
    return { enforced: false, reason }
  } finally {
    await host('umount', [diskOf(paths).mount]).catch(() => {})
    await detachDisk(paths).catch(() => {})
    await rm(scratch, { recursive: true, force: true }).catch(() => {})
  }
}

export type DiskQuotaOpts = {
  /** Default quota per sandbox in bytes (a create's `diskQuotaBytes` overrides it); 0: none. */
  bytes: number
  asRoot: boolean
  logger: SandboxLogger
}

/**
 * Gives `driver`'s sandboxes a disk quota: prepare() first attaches the quota filesystem and lets
 * the driver make tmp, home and the overlay layers on it (onDisk), launch() binds those, and a
 * failed command's stderr says when the quota was the cause; release() detaches and deletes the
 * image after the driver's unmounts. Sandboxes without an image (no quota, or made before quotas
 * existed) keep the plain layout.
 */
export function withDiskQuota(driver: SandboxDriver, opts: DiskQuotaOpts): SandboxDriver {
  validateQuota(opts.bytes)
  let support: Promise<QuotaSupport> | undefined
  const supported = () => {
    support ??= probeDiskQuota(opts.asRoot).then((result) => {
      if (!result.enforced)
        opts.logger.warn(
          { reason: result.reason },
          'sandbox disk quota NOT enforced: /workspace, /tmp and /home/sandbox can fill the host disk',
        )
      return result
    })
    return support
  }
  return {
    ...driver,

    async ensureAvailable() {
      await driver.ensureAvailable()
      if (opts.bytes > 0) await supported()
    },

    async prepare(input) {
      const bytes = input.opts.diskQuotaBytes ?? opts.bytes
      validateQuota(bytes)
      if (bytes === 0 || !(await supported()).enforced) return driver.prepare(input)
      await attachDisk(input.paths, bytes).catch((error) => {
        throw new AppError('unavailable', `could not attach the sandbox's disk quota: ${messageOf(error)}`, {
          cause: error,
          retryable: true,
        })
      })
      const kind = await driver.prepare({ ...input, paths: onDisk(input.paths) })
      // The workspace stays where people (and scripts) debugging a kept sandbox look for it.
      await symlink(join('disk', 'workspace'), input.paths.workspace)
      return kind
    },

    async launch(input) {
      if (!existsSync(diskOf(input.paths).image)) return driver.launch(input)
      const paths = onDisk(input.paths)
      const launch = await driver.launch({ ...input, paths })
      return { ...launch, explainFailure: (result) => explainQuota(input.paths, result) }
    },

    async release(paths) {
      await driver.release(paths)
      await detachDisk(paths)
    },
  }
}
