import type { Command } from 'commander'
import { startServer } from '../server.ts'
import { configFrom, withDatabaseOptions } from './config-options.ts'

export function registerServe(program: Command) {
  withDatabaseOptions(
    program
      .command('serve')
      .description('Start the API, the event streams and the workers (the main job)')
      .option('-p, --port <port>', 'port to listen on (PORT, default 8000)')
      .option('-H, --host <address>', 'address to bind (HOST, default 127.0.0.1; any other needs tokens)')
      .option('--auth <mode>', 'auto | token | none (SQUAD_AUTH)'),
  ).action(async (options: Record<string, string | undefined>) => {
    const config = configFrom(options)
    const out = process.stderr
    out.write(
      `Agent Squad — starting on ${config.DATABASE_URL ? 'PostgreSQL' : `PGlite (${config.dataDir})`}\n`,
    )
    const server = await startServer(config, {
      onStage: ({ stage, ms }) => out.write(`  ✓ ${stage.padEnd(16)} ${String(ms).padStart(6)} ms\n`),
    })
    if (server.bootstrapToken) {
      out.write(
        `\n  Admin token (shown once, store it now):\n\n    ${server.bootstrapToken}\n\n` +
          '  Send it as "Authorization: Bearer <token>". Create more with `squad token create`.\n',
      )
    }
    out.write(
      `\n  Ready at ${server.url}  (API ${server.url}/api/v1, docs ${server.url}/api/v1/openapi.json)\n` +
        `  Auth: ${server.deps.authMode === 'none' ? 'off (loopback only, implicit local user)' : 'bearer token required'}\n`,
    )
    let stopping = false
    const stop = async (signal: string) => {
      if (stopping) process.exit(1)
      stopping = true
      out.write(`\n${signal}: shutting down…\n`)
      await server.close()
      process.exit(0)
    }
    process.on('SIGINT', () => void stop('SIGINT'))
    process.on('SIGTERM', () => void stop('SIGTERM'))
  })
}
