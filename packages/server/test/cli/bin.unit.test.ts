import { execFile, execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { version } from '../../src/version.ts'

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const bin = join(root, 'packages/server/bin/squad.js')
const linked = join(root, 'bin/squad')
const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node as string
const minimum = Number(/\d+/.exec(engines)?.[0])
const toolchain = join(root, '.squad/toolchain/node_modules/.bin/node')
const cwd = mkdtempSync(join(tmpdir(), 'squad-cli-bin-'))
afterAll(() => rmSync(cwd, { recursive: true, force: true }))

/** A Node older than the minimum on this machine (a new terminal's `node`), if there is one. */
function olderNode(): string | null {
  const candidates = ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']
  try {
    candidates.push(...execFileSync('which', ['-a', 'node'], { encoding: 'utf8' }).split('\n'))
  } catch {}
  for (const path of candidates.filter(Boolean)) {
    try {
      const major = Number(
        execFileSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }),
      )
      if (major < minimum) return path
    } catch {}
  }
  return null
}
const old = olderNode()

async function run(file: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, {
      cwd,
      env: { PATH: '/usr/bin:/bin', HOME: process.env.HOME, NO_COLOR: '1', ...env },
      timeout: 20_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

describe('the squad command, from a new terminal', () => {
  it('says the minimum Node once, in package.json, and the scripts and docs follow it', () => {
    expect(engines).toMatch(/^>=\d+$/)
    expect(readFileSync(bin, 'utf8')).not.toMatch(/\b2[2-9]\.\d+/)
    expect(readFileSync(join(root, 'scripts/ensure-node.sh'), 'utf8')).toContain('engines.node')
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain(`Node ${minimum}`)
  })

  it.skipIf(!old || !existsSync(toolchain))(
    "re-runs itself with .squad/toolchain's Node when the one on PATH is too old, from any folder",
    async () => {
      const direct = await run(old as string, [bin, '--version'])
      expect(direct.stderr).toBe('')
      expect(direct).toMatchObject({ code: 0, stdout: `${version}\n` })

      // bin/squad, the link people put on PATH, under the shebang's `node` (the old one first on PATH).
      const viaLink = await run(linked, ['task', 'list', '--help'], {
        PATH: `${join(old as string, '..')}:/usr/bin:/bin`,
      })
      expect(viaLink.code, viaLink.stderr).toBe(0)
      expect(viaLink.stdout).toContain('Usage: squad task list')
    },
  )

  it.skipIf(!old)('without a toolchain, says which Node it needs and how to get it', async () => {
    // A copy of the project's outline without .squad/toolchain.
    const copy = join(cwd, 'project')
    mkdirSync(join(copy, 'packages/server/bin'), { recursive: true })
    copyFileSync(join(root, 'package.json'), join(copy, 'package.json'))
    copyFileSync(bin, join(copy, 'packages/server/bin/squad.js'))
    const result = await run(old as string, [join(copy, 'packages/server/bin/squad.js'), '--version'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`squad needs Node ${engines} (this is v`)
    expect(result.stderr).toMatch(
      /Run `bash project\/scripts\/start.sh` once: it installs Node \d+ into \.squad\/toolchain/,
    )
    expect(result.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION')
  })
})
