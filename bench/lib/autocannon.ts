import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const cli = fileURLToPath(new URL('../../node_modules/autocannon/autocannon.js', import.meta.url))

export type LoadOpts = {
  connections: number
  durationS: number
  warmupS: number
  headers?: Record<string, string>
}

export type LoadResult = {
  requestsPerSec: number
  p50Ms: number
  p99Ms: number
  non2xx: number
  errors: number
  total: number
}

/**
 * Load-tests one URL with autocannon in a child process, so the load generator never competes with
 * the server for the server's event loop (it still shares the machine's cores).
 */
export async function loadTest(url: string, opts: LoadOpts): Promise<LoadResult> {
  const headerArgs = Object.entries(opts.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}=${v}`])
  const run = async (durationS: number) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, '-c', String(opts.connections), '-d', String(durationS), '-j', ...headerArgs, url],
      { maxBuffer: 64 * 1024 * 1024 },
    )
    return JSON.parse(stdout) as {
      requests: { average: number; total: number }
      latency: { p50: number; p99: number }
      non2xx: number
      errors: number
    }
  }
  if (opts.warmupS > 0) await run(opts.warmupS)
  const r = await run(opts.durationS)
  return {
    requestsPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    total: r.requests.total,
  }
}
