import { execFile } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { isBuilt } from '../../../web/scripts/ensure-built.ts'

const root = fileURLToPath(new URL('../../../../', import.meta.url))
const lock = join(root, 'node_modules/.package-lock.json')
// start.sh would run `npm ci` under the running suite's feet: only when node_modules is current.
const stale =
  !existsSync(lock) || statSync(join(root, 'package-lock.json')).mtimeMs > statSync(lock).mtimeMs
    ? 'node_modules is missing or older than package-lock.json (start.sh would run npm ci)'
    : null

async function start(env: NodeJS.ProcessEnv) {
  // The machine's own PATH, as in a new terminal (its node may be older than the project's).
  const { stdout, stderr } = await promisify(execFile)('bash', ['scripts/start.sh', '--help'], {
    cwd: root,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME, NO_COLOR: '1', ...env },
    timeout: 120_000,
  })
  return { stdout, stderr }
}

const stage = (name: string, note: string) =>
  new RegExp(`^ {2}✓ ${name.padEnd(16)} {1,6}\\d+ ms {2}${note}$`, 'm')

describe.skipIf(stale)('bash scripts/start.sh', () => {
  // A stale build would be rebuilt here, under other tests serving packages/web/dist.
  const webStale = isBuilt() ? null : 'packages/web/dist is older than its sources (start.sh would build it)'

  it.skipIf(webStale)(
    'shows each set-up step as a timed stage, like the server, then runs squad serve',
    async () => {
      const { stdout, stderr } = await start({})
      expect(stderr).toMatch(/^Setting up: Node, npm packages, the web app/)
      expect(stderr).toMatch(stage('node', 'v\\d+\\.\\d+\\.\\d+ from \\S+'))
      expect(stderr).toMatch(stage('npm packages', 'up to date'))
      expect(stderr).toMatch(stage('web app', 'up to date'))
      expect(stderr).toMatch(/^ {2}set up in \d+\.\d\d s$/m)
      expect(stdout).toContain('Usage: squad serve')
    },
    150_000,
  )

  it('says when the web build is skipped', async () => {
    const { stderr } = await start({ SQUAD_SKIP_WEB_BUILD: '1' })
    expect(stderr).toMatch(stage('web app', 'skipped \\(SQUAD_SKIP_WEB_BUILD=1\\)'))
  })
})
