import { type ChildProcess, spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readLocalToken } from '../../src/auth/local-token.ts'
import type { TestServer } from '../helpers/test-server.ts'

const bin = fileURLToPath(new URL('../../bin/squad.js', import.meta.url))

/** `squad serve` running as a child process: a server this test can really crash. */
export type ServeProcess = {
  child: ChildProcess
  pid: number
  url: string
  /** Everything it printed so far (stdout and stderr). */
  output(): string
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals | null>
  /**
   * A client for it with the shape the pipeline fixture's helpers take (`request`, `url`, and
   * `localToken`, which a push needs even with auth off): they only ever use those three.
   */
  api: TestServer
}

/**
 * Starts `node bin/squad.js serve` with exactly `env` (nothing from the developer's shell leaks in)
 * and resolves once it prints "Ready at <url>"; PORT=0 picks a free port, read back from that line.
 */
export async function startServeProcess(options: {
  env: Record<string, string>
  cwd: string
  readyTimeoutMs?: number
}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [bin, 'serve'], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      NO_COLOR: '1',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  const collect = (chunk: Buffer) => {
    text += chunk.toString()
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  )
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`squad serve did not get ready:\n${text}`))
    }, options.readyTimeoutMs ?? 60_000)
    const check = () => {
      const match = /Ready at (http:\/\/\S+)/.exec(text)
      if (!match?.[1]) return
      clearTimeout(timer)
      resolve(match[1])
    }
    child.stdout?.on('data', check)
    child.stderr?.on('data', check)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`squad serve exited with ${code} before it was ready:\n${text}`))
    })
  })
  const request: TestServer['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`
    let body: string | undefined = opts.raw
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body)
      headers['content-type'] ??= 'application/json'
    }
    const res = await fetch(`${url}${path}`, { method, headers, body })
    const raw = await res.text()
    let json: unknown = null
    try {
      json = raw ? JSON.parse(raw) : null
    } catch {
      json = raw
    }
    return { status: res.status, json, headers: res.headers }
  }
  // With auth off the server keeps the local user's token in its data folder, written just after it
  // starts listening (auth/local-token.ts).
  const dataDir = resolve(options.cwd, options.env.SQUAD_DATA_DIR ?? '.squad/data')
  let localToken: string | null = null
  for (let waited = 0; options.env.SQUAD_AUTH === 'none' && !localToken; waited += 50) {
    localToken = (await readLocalToken(dataDir))?.token ?? null
    if (localToken) break
    if (waited > 10_000) throw new Error(`squad serve wrote no local token in ${dataDir}:\n${text}`)
    await new Promise((done) => setTimeout(done, 50))
  }
  return {
    child,
    pid: child.pid ?? -1,
    url,
    output: () => text,
    exited,
    api: { url, request, localToken } as TestServer,
  }
}
