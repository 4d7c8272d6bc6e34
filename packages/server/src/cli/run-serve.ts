import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureLocalToken, localTokenPath } from '../auth/local-token.ts'
import { shellCommand } from '../git/shell-quote.ts'
import { type RunningServer, startServer } from '../server.ts'
import { version } from '../version.ts'
import { type CliOptions, configFrom, describeDatabase, isNewDataDir } from './config-options.ts'
import { lockDataDir } from './data-dir-lock.ts'
import { ensurePortFree, portInUseMessage } from './port-check.ts'

/** How long a stop may take before the process exits anyway. */
const STOP_TIMEOUT_MS = 10_000

const authLine = (server: RunningServer) =>
  server.deps.authMode === 'none'
    ? 'off: loopback only, every request acts as the local user'
    : 'token: send "Authorization: Bearer <token>" (create one with `squad token create`)'

/**
 * With auth off: where the local user's token is, and the credential helper line that hands it to
 * git, with absolute paths so it works from any folder.
 */
const gitLines = (dataDir: string) => {
  const bin = fileURLToPath(new URL('../../bin/squad.js', import.meta.url))
  const helper = [process.execPath, bin, 'git-credential', '--data-dir', dataDir]
  return (
    `  Token: ${localTokenPath(dataDir)} (the local user's; pushes and /metrics need it)\n` +
    `  Git:   ${shellCommand(['git', 'config', 'credential.helper', `!${shellCommand(helper)}`])}\n`
  )
}

/** How to type `squad` in any folder: the repository's bin/ (a link to bin/squad.js) on PATH. */
const cliLine = () => {
  const dir = fileURLToPath(new URL('../../../../bin', import.meta.url))
  return existsSync(join(dir, 'squad'))
    ? `  CLI:   export PATH="${dir.replace(/["$`\\]/g, '\\$&')}:$PATH"  (then \`squad --help\`, in any folder)\n`
    : ''
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

const stageLine = (stage: string, ms: number) => `  ✓ ${stage.padEnd(16)} ${String(ms).padStart(6)} ms\n`

/** `squad serve`: starts the server, prints each stage with its time, then where to reach it. */
export async function runServe(options: CliOptions) {
  const config = await configFrom(options)
  const out = process.stderr
  // Node start and module loading, up to here.
  const loadMs = Math.round(process.uptime() * 1000)
  // A taken port fails now, in a second, before a new database is created for nothing.
  await ensurePortFree(config.HOST, config.PORT)
  const onPglite = !config.DATABASE_URL
  // A start that fails leaves no data folder behind unless there was one before.
  const dataDirExisted = existsSync(config.dataDir)
  const release = onPglite ? lockDataDir(config.dataDir) : () => {}
  const fresh = onPglite && isNewDataDir(config)
  out.write(`Agent Squad ${version} (Node ${process.versions.node}, pid ${process.pid})\n`)
  out.write(
    `  database: ${describeDatabase(config)}${fresh ? ' (new: creating it, a few seconds this once)' : ''}\n`,
  )
  out.write(stageLine('load code', loadMs))
  let server: RunningServer | undefined
  let localToken: string | null
  try {
    server = await startServer(config, {
      onStage: ({ stage, ms }) => out.write(stageLine(stage, ms)),
    })
    // Even with auth off, a push and /metrics need a token: the local user's is kept in the data folder.
    const { deps } = server
    localToken =
      deps.authMode === 'none'
        ? await ensureLocalToken({
            db: deps.database.db,
            localUser: deps.localUser,
            dataDir: config.dataDir,
            urls: [...new Set([deps.localForge.baseUrl(), server.url])],
          })
        : null
  } catch (error) {
    await server?.close().catch(() => {})
    release()
    if (!dataDirExisted) rmSync(config.dataDir, { recursive: true, force: true })
    // Taken between the check and listen (another start racing this one): said the same way.
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new Error(await portInUseMessage(config.HOST, config.PORT))
    throw error
  }
  out.write(`  started in ${seconds(process.uptime() * 1000)} (since the process began)\n`)

  if (server.bootstrapToken) {
    out.write(
      '\n  Admin token (shown this once, never stored in plain text; keep it somewhere safe):\n\n' +
        `    ${server.bootstrapToken}\n\n` +
        '  Send it as "Authorization: Bearer <token>". Create more with `squad token create`\n' +
        '  (server stopped, on PGlite) or POST /api/v1/tokens.\n',
    )
  }
  const url = server.url
  out.write(
    `\n  Ready at ${url}\n` +
      `    Web app  ${url}/  (open it in a browser)\n` +
      `    API      ${url}/api/v1\n` +
      `    OpenAPI  ${url}/api/v1/openapi.json\n` +
      `    Health   ${url}/api/v1/health\n` +
      `    Metrics  ${url}/metrics  (an admin token: "Authorization: Bearer <token>")\n` +
      `  Auth:  ${authLine(server)}\n` +
      (localToken ? gitLines(config.dataDir) : '') +
      `  Data:  ${describeDatabase(config)}\n` +
      cliLine() +
      `  Stop:  Ctrl+C, or kill -TERM ${process.pid}\n\n`,
  )

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) {
      out.write(`${signal} again: exiting now\n`)
      process.exit(1)
    }
    stopping = true
    out.write(`\n${signal}: stopping…\n`)
    const timer = setTimeout(() => {
      out.write(`✗ did not stop within ${STOP_TIMEOUT_MS / 1000} s; exiting anyway\n`)
      process.exit(1)
    }, STOP_TIMEOUT_MS)
    timer.unref()
    try {
      await server.close()
      release()
      out.write('✓ stopped\n')
      process.exit(0)
    } catch (error) {
      out.write(`✗ stop failed: ${error instanceof Error ? error.message : String(error)}\n`)
      process.exit(1)
    }
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}
