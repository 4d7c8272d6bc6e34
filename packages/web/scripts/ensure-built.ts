// Builds the web app when packages/web/dist is missing or older than its sources (run by the root
// `postinstall`, so `npm ci` ends with a UI that `squad serve` can serve). The sources are hashed,
// not compared by time, because a fresh clone gives every file the same modification time.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(webDir, 'dist')
const stamp = join(dist, '.build-hash')
const inputs = [
  'index.html',
  'vite.config.ts',
  'package.json',
  'tsconfig.json',
  'src',
  'public',
  '../contract/src',
]

function* filesOf(path: string): Generator<string> {
  if (!existsSync(path)) return
  if (statSync(path).isFile()) {
    yield path
    return
  }
  for (const entry of readdirSync(path).sort()) yield* filesOf(join(path, entry))
}

export function sourceHash(): string {
  const hash = createHash('sha256')
  for (const input of inputs)
    for (const file of filesOf(join(webDir, input))) {
      hash.update(relative(webDir, file))
      hash.update(readFileSync(file))
    }
  return hash.digest('hex')
}

export function isBuilt(): boolean {
  return (
    existsSync(join(dist, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === sourceHash()
  )
}

/** Builds when needed; answers false (and says why) when it could not. */
export function ensureBuilt(options: { quiet?: boolean } = {}): boolean {
  const log = (text: string) => options.quiet || process.stderr.write(`web: ${text}\n`)
  if (isBuilt()) {
    log('packages/web/dist is up to date')
    return true
  }
  let viteBin: string
  try {
    const require = createRequire(join(webDir, 'package.json'))
    viteBin = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js')
  } catch {
    log('vite is not installed (dev dependencies omitted?): skipping the web build; run `npm run build:web`')
    return false
  }
  log('building the web app (packages/web/dist)…')
  const hash = sourceHash()
  const result = spawnSync(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], {
    cwd: webDir,
    stdio: options.quiet ? 'pipe' : 'inherit',
  })
  if (result.status !== 0) {
    log(`the web build failed (exit ${result.status}); the API still works. Retry with \`npm run build:web\``)
    if (options.quiet) process.stderr.write(String(result.stderr ?? ''))
    return false
  }
  writeFileSync(stamp, hash)
  log('built packages/web/dist')
  return true
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.env.SQUAD_SKIP_WEB_BUILD === '1')
    process.stderr.write('web: SQUAD_SKIP_WEB_BUILD=1, not building\n')
  else ensureBuilt()
}
