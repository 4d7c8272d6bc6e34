import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createServer } from 'node:net'

export type PortHolder = { pid: number; command: string }

/** Tries to listen on host:port and lets go at once: null when it could, else the error's code. */
function probe(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)))
  })
}

/** The socket inodes listening on `port` (any address), from the kernel's tables (Linux only). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/)
      if (state !== '0A' || !local || !inode || inode === '0') continue // 0A: LISTEN
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(inode)
    }
  }
  return inodes
}

/**
 * Which process listens on `port`: the kernel's socket tables give the socket's inode, and a
 * process's /proc/<pid>/fd links name the inodes it holds. Null when that cannot be read (another
 * user's process, another operating system, another network namespace).
 */
export function findPortHolder(port: number): PortHolder | null {
  const inodes = listeningInodes(port)
  if (inodes.size === 0) return null
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return null
  }
  for (const pid of pids) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      let link: string
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`)
      } catch {
        continue
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1]
      if (inode && inodes.has(inode)) {
        let command = ''
        try {
          command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')
        } catch {}
        return { pid: Number(pid), command: command.length > 120 ? `${command.slice(0, 117)}…` : command }
      }
    }
  }
  return null
}

/** What to tell someone whose port is taken: who has it, and how to pick another. */
export async function portInUseMessage(host: string, port: number): Promise<string> {
  const holder = findPortHolder(port)
  const who = holder
    ? `by process ${holder.pid}${holder.command ? ` (${holder.command})` : ''}`
    : 'by another program'
  let free: number | null = null
  for (let next = port + 1; next <= Math.min(port + 20, 65535) && free === null; next++)
    if ((await probe(host, next)) === null) free = next
  const example = free ?? 'N'
  return (
    `Port ${port} on ${host} is already in use ${who}.\n` +
    `  Stop it, or start on another port: --port ${example} (--port 0 picks any free one), as in\n` +
    `  \`squad serve --port ${example}\` or \`bash scripts/start.sh --port ${example}\` (PORT=${example} works too).`
  )
}

/**
 * Fails fast, before anything is created, when the server could not listen on host:port. Port 0
 * (any free port) always can; other errors (a host that is not this machine's) are left to listen.
 */
export async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return
  if ((await probe(host, port)) === 'EADDRINUSE') throw new Error(await portInUseMessage(host, port))
}
