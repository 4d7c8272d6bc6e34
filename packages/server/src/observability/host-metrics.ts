import { statfs } from 'node:fs/promises'
import { Gauge, type Registry } from 'prom-client'

/**
 * The data folder's file system, read with statfs at each scrape (one system call): PGlite's data,
 * the local forge's repositories, sandboxes and caches all live there, and a full disk stops them all.
 */
export function registerDataDiskMetrics(registry: Registry, dataDir: string) {
  let last: { size: number; free: number } | null = null
  const read = async () => {
    try {
      const fs = await statfs(dataDir)
      last = { size: fs.blocks * fs.bsize, free: fs.bavail * fs.bsize }
    } catch {
      // A folder that cannot be read keeps its last figures (none at all before the first read).
    }
    return last
  }
  new Gauge({
    name: 'squad_data_disk_size_bytes',
    help: "Size of the file system holding the server's data folder.",
    registers: [registry],
    async collect() {
      const disk = await read()
      if (disk) this.set(disk.size)
    },
  })
  new Gauge({
    name: 'squad_data_disk_free_bytes',
    help: "Bytes an unprivileged process can still write on the data folder's file system.",
    registers: [registry],
    async collect() {
      const disk = await read()
      if (disk) this.set(disk.free)
    },
  })
}
