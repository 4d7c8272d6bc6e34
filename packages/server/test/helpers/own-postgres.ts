import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The newest PostgreSQL server binaries Debian installed, or null. */
function binDir(): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] ? join(root, versions[0], 'bin') : null
}

const bin = binDir()
const asRoot = userInfo().uid === 0

/** Why a test cannot run a PostgreSQL cluster of its own, or null when it can. */
export const ownPostgresSkip: string | null = !bin
  ? 'PostgreSQL server binaries (initdb, pg_ctl) are not installed under /usr/lib/postgresql'
  : asRoot && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')
    ? 'running as root without runuser: initdb refuses root'
    : null

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

export type OwnPostgres = {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  adminUrl: string
  stop(): Promise<void>
  start(): Promise<void>
  /** Removes the cluster and its folder. */
  destroy(): Promise<void>
}

/**
 * A throwaway PostgreSQL cluster in a temporary folder on a free port, so a test may stop and
 * restart it without touching the machine's shared server. initdb refuses to run as root, so as
 * root every command runs as the `postgres` user, in a folder that user owns.
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  if (!bin) throw new Error(ownPostgresSkip ?? 'no PostgreSQL binaries')
  const folder = mkdtempSync(join(tmpdir(), 'squad-own-pg-'))
  const data = join(folder, 'data')
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    chownSync(folder, Number(stdout.trim()), Number(gid.trim()))
  }
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args)
  const port = await freePort()
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  const options = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off`
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-o', options, '-l', join(folder, 'log'), '-w', 'start'])
  }
  await start()
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    async stop() {
      // fast: disconnects every client at once (what a restart does to the server's connections).
      await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
    },
    async destroy() {
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
      rmSync(folder, { recursive: true, force: true })
    },
  }
}
