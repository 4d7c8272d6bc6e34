import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..')

export type SquadServer = { url: string; dataDir: string; output: () => string; stop(): Promise<void> }

/**
 * A real `squad serve` (the README's command) on embedded PGlite in a fresh temporary folder, on a
 * random loopback port, with the web app it serves at `/`.
 */
export async function startSquadServe(env: Record<string, string> = {}): Promise<SquadServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'squad-e2e-'))
  const child: ChildProcess = spawn(
    process.execPath,
    [join(repoRoot, 'packages/server/bin/squad.js'), 'serve'],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        SQUAD_DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        SQUAD_AUTH: 'none',
        SQUAD_LOG_LEVEL: 'warn',
        // A failed run's sandbox (an overlay mount under dataDir) would otherwise be kept for inspection
        // and outlive the server, and `stop()` could not delete the folder it is mounted in.
        SQUAD_KEEP_FAILED_SANDBOX_MINUTES: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout?.on('data', (d) => (output += d))
  child.stderr?.on('data', (d) => (output += d))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`squad serve did not start within 90 s:\n${output}`)),
      90_000,
    )
    const check = () => {
      const match = /Ready at (http:\/\/\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stderr?.on('data', check)
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`squad serve exited with ${code}:\n${output}`))
    })
  })
  return {
    url,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** A JSON call against the server's API (for checks and set-up a user would do with git or curl). */
export async function apiCall<T>(
  server: SquadServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}
