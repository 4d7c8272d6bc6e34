import { type ChildProcess, spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../../packages/server/bin/squad.js', import.meta.url))

export type SquadServe = {
  child: ChildProcess
  pid: number
  base: string
  /** The first `stderrCap` characters the server wrote to stderr (for error messages). */
  stderr(): string
  /** SIGTERM, then SIGKILL if it has not exited after 20 s. */
  stop(): Promise<void>
  /**
   * `-c http.extraHeader=…` for git: a push needs a token even with auth off, and `squad serve` keeps
   * the local user's in `<data dir>/local-token.json` (written just after it starts listening).
   */
  gitAuth(): Promise<string[]>
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const address = probe.address()
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  if (!address || typeof address === 'string') throw new Error('no free port')
  return address.port
}

/**
 * `squad serve` in its own process (so its RSS is its own) on a free loopback port, with only `env`
 * beyond PATH and HOME, resolved once /api/v1/health answers. The benches' one way to start a server.
 */
export async function startSquadServe(options: {
  cwd: string
  env: Record<string, string | undefined>
  stderrCap?: number
}): Promise<SquadServe> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, [bin, 'serve'], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NO_COLOR: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      SQUAD_AUTH: 'none',
      SQUAD_LOG_LEVEL: 'warn',
      SQUAD_LOG_FORMAT: 'json',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const cap = options.stderrCap ?? 64 * 1024
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < cap) stderr += chunk.toString()
  })
  const stop = async () => {
    if (child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))])
    if (child.exitCode === null) child.kill('SIGKILL')
  }
  const started = performance.now()
  for (;;) {
    if (child.exitCode !== null) throw new Error(`squad serve exited early:\n${stderr}`)
    const ok = await fetch(`${base}/api/v1/health`)
      .then(async (res) => {
        await res.arrayBuffer()
        return res.ok
      })
      .catch(() => false)
    if (ok) break
    if (performance.now() - started > 90_000) {
      await stop()
      throw new Error(`squad serve did not answer:\n${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const tokenFile = join(
    resolve(options.cwd, options.env.SQUAD_DATA_DIR ?? '.squad/data'),
    'local-token.json',
  )
  const gitAuth = async () => {
    for (let waited = 0; ; waited += 50) {
      const text = await readFile(tokenFile, 'utf8').catch(() => null)
      if (text)
        return [
          '-c',
          `http.extraHeader=Authorization: Bearer ${(JSON.parse(text) as { token: string }).token}`,
        ]
      if (waited > 10_000) throw new Error(`squad serve wrote no ${tokenFile}:\n${stderr}`)
      await new Promise((done) => setTimeout(done, 50))
    }
  }
  return { child, pid: child.pid as number, base, stderr: () => stderr, stop, gitAuth }
}
