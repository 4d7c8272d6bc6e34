import { readdir, readFile } from 'node:fs/promises'

/** Live processes by real uid, for uids in [from, to): read from /proc. */
export async function processesOf(from: number, to: number): Promise<Map<number, number[]>> {
  const byUid = new Map<number, number[]>()
  const names = await readdir('/proc').catch(() => [] as string[])
  await Promise.all(
    names
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        const status = await readFile(`/proc/${name}/status`, 'utf8').catch(() => '')
        const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1)
        if (uid < from || uid >= to) return
        const pids = byUid.get(uid) ?? []
        pids.push(Number(name))
        byUid.set(uid, pids)
      }),
  )
  return byUid
}
