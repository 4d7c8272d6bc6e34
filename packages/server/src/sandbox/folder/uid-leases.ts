import { existsSync } from 'node:fs'
import { mkdir, open, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Host-wide reservations of sandbox uids. Every server on a machine (and every test server) draws
 * from the same uid range, and killing a sandbox kills every process of its uid, so a uid must
 * belong to one sandbox on the whole host, not just within one server's folder. A reservation is a
 * file created exclusively; it is stale when its server process is gone and its sandbox folder too
 * (a sandbox that outlived a crash keeps its uid until it is resumed or reaped).
 */
const LEASE_DIR = existsSync('/run') ? '/run/agent-squad/sandbox-uids' : '/tmp/agent-squad-sandbox-uids'

type Lease = { pid: number; folder: string }

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readLease(file: string): Promise<Lease | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Lease
  } catch {
    return null
  }
}

/** Reserves `uid` for the sandbox in `folder`; false when another live sandbox holds it. */
export async function reserveUid(uid: number, folder: string, dir = LEASE_DIR): Promise<boolean> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const file = join(dir, String(uid))
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600)
      await handle.writeFile(JSON.stringify({ pid: process.pid, folder } satisfies Lease))
      await handle.close()
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const lease = await readLease(file)
    // A half-written lease (its writer is between open and write) is taken as held.
    if (!lease) return false
    if (lease.folder === folder) return true
    if (alive(lease.pid) || existsSync(lease.folder)) return false
    await unlink(file).catch(() => {})
  }
  return false
}

/** Gives `uid` back (after its sandbox is killed). Only the reservation for `folder` is removed. */
export async function releaseUid(uid: number, folder: string, dir = LEASE_DIR): Promise<void> {
  const file = join(dir, String(uid))
  const lease = await readLease(file)
  if (lease && lease.folder !== folder) return
  await unlink(file).catch(() => {})
}
