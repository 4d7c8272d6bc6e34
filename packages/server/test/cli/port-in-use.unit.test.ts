import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findPortHolder } from '../../src/cli/port-check.ts'

const bin = fileURLToPath(new URL('../../bin/squad.js', import.meta.url))
const cwd = mkdtempSync(join(tmpdir(), 'squad-port-'))

describe('squad serve on a port another program holds', () => {
  let holder: Server
  let port: number

  beforeAll(async () => {
    // This test process is "the other program".
    holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    port = (holder.address() as { port: number }).port
  })
  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve))
    rmSync(cwd, { recursive: true, force: true })
  })

  it.skipIf(process.platform !== 'linux')('finds the process from /proc', () => {
    expect(findPortHolder(port)).toMatchObject({ pid: process.pid, command: expect.stringContaining('node') })
  })

  it('stops at once, says who holds the port and how to pick another, and creates no data folder', async () => {
    const dataDir = join(cwd, 'new-data')
    const result = await promisify(execFile)(
      process.execPath,
      [bin, 'serve', '--port', String(port), '--data-dir', dataDir],
      { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' }, timeout: 30_000 },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
    )
    expect(result.code).toBe(1)
    const who = process.platform === 'linux' ? `by process ${process.pid} (` : 'by another program'
    expect(result.stderr).toContain(`✗ Port ${port} on 127.0.0.1 is already in use ${who}`)
    expect(result.stderr).toMatch(/start on another port: --port \d+ \(--port 0 picks any free one\)/)
    expect(result.stderr).toMatch(/`bash scripts\/start\.sh --port \d+`/)
    // It stopped before the database: no banner, no stage (creating one took 10 s).
    expect(result.stderr).not.toContain('database:')
    expect(result.stderr).not.toContain('open database')
    expect(existsSync(dataDir)).toBe(false)
  })
})
